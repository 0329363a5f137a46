from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from {{ cookiecutter.package_name }}.schemas import MAX_ID


def error_schemas(app: FastAPI) -> dict[tuple[str, str, str], Any]:
    """The documented body of each error response, by (method, path, status)."""
    return {
        (method.upper(), path, code): response["content"]["application/json"]["schema"]
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        for code, response in operation["responses"].items()
        if int(code) >= 400
    }


def test_every_error_is_documented_with_a_detail(app: FastAPI) -> None:
    schemas = error_schemas(app)
    components = app.openapi()["components"]["schemas"]
    for key, schema in schemas.items():
        name = schema["$ref"].rsplit("/", 1)[-1]
        assert "detail" in components[name]["properties"], key
    codes = {(method, path, code) for method, path, code in schemas}
    for method, path in [("GET", "/health"), ("GET", "/notes"), ("POST", "/notes")]:
        assert (method, path, "503") in codes
    assert ("GET", "/notes/{note_id}", "404") in codes
    assert ("POST", "/notes", "409") in codes
    assert ("PATCH", "/notes/{note_id}", "409") in codes
    assert ("POST", "/notes", "422") in codes


async def test_405_lists_every_method_of_the_path(client: AsyncClient) -> None:
    one = await client.put(f"/notes/{MAX_ID}", json={"text": "x"})
    assert one.status_code == 405
    assert one.json() == {"detail": "Method Not Allowed"}
    assert set(one.headers["allow"].split(", ")) == {"GET", "HEAD", "PATCH", "DELETE"}
    collection = await client.put("/notes")
    assert set(collection.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}


async def test_unreadable_body_is_400_with_a_detail(client: AsyncClient) -> None:
    response = await client.post(
        "/notes", content=b'{"text": "\xff\xfe"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}
