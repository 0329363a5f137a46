"""Notes belong to users: each sees, changes and deletes only their own."""

import uuid
from datetime import UTC, datetime
from typing import Any, get_args

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from {{ cookiecutter.package_name }}.auth.routes import CurrentUser
from {{ cookiecutter.package_name }}.models import User
from {{ cookiecutter.package_name }}.schemas import MAX_ID

from .accounts import bearer, log_in, new_email, register

NOT_FOUND = {"detail": "Note not found"}


@pytest.fixture
async def other(client: AsyncClient) -> dict[str, str]:
    """The headers of a second user of the same app."""
    email = new_email()
    await register(client, email)
    return bearer(await log_in(client, email))


async def test_another_users_note_is_missing_on_every_route(
    client: AsyncClient, other: dict[str, str]
) -> None:
    mine = (await client.post("/notes", json={"text": "Mine"})).json()
    theirs = (await client.post("/notes", json={"text": "Theirs"}, headers=other)).json()
    path = f"/notes/{mine['id']}"
    missing = f"/notes/{MAX_ID}"
    for method, body in (("GET", None), ("PATCH", {"completed": True}), ("DELETE", None)):
        taken = await client.request(method, f"/notes/{theirs['id']}", json=body)
        absent = await client.request(method, missing, json=body)
        # The same answer as for a note that does not exist: nothing tells it does.
        assert (taken.status_code, taken.json()) == (absent.status_code, absent.json())
        assert (taken.status_code, taken.json()) == (404, NOT_FOUND), method
        from_other = await client.request(method, path, json=body, headers=other)
        assert (from_other.status_code, from_other.json()) == (404, NOT_FOUND), method
    assert [note["id"] for note in (await client.get("/notes")).json()] == [mine["id"]]
    theirs_listed = (await client.get("/notes", headers=other)).json()
    assert [note["id"] for note in theirs_listed] == [theirs["id"]]


async def test_texts_are_unique_per_owner(client: AsyncClient, other: dict[str, str]) -> None:
    assert (await client.post("/notes", json={"text": "Same"})).status_code == 201
    assert (await client.post("/notes", json={"text": "Same"}, headers=other)).status_code == 201
    again = await client.post("/notes", json={"text": "Same"})
    assert again.status_code == 409


async def test_a_note_of_an_owner_who_is_gone_is_422_on_the_owner(
    app: FastAPI, client: AsyncClient
) -> None:
    """As when an account is deleted while its request is under way: the foreign key refuses."""
    gone = User(
        id=uuid.uuid4(),
        email=new_email(),
        hashed_password="",
        is_active=True,
        is_superuser=False,
        is_verified=False,
        created_at=datetime.now(UTC),
    )
    current_user = get_args(CurrentUser)[1].dependency
    app.dependency_overrides[current_user] = lambda: gone
    response = await client.post("/notes", json={"text": "Orphan"})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["type"], error["loc"]) == ("missing_reference", ["body", "owner_id"])
    assert error["msg"] == "No user has this id"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/notes", None),
        ("POST", "/notes", {"text": "Anyone"}),
        ("GET", "/notes/1", None),
        ("PATCH", "/notes/1", {"completed": True}),
        ("DELETE", "/notes/1", None),
    ],
)
async def test_every_notes_route_needs_a_token(
    client: AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    del client.headers["Authorization"]
    response = await client.request(method, path, json=body)
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})
    assert response.headers["www-authenticate"] == "Bearer"


def test_notes_routes_document_the_401_and_the_login(app: FastAPI) -> None:
    schema = app.openapi()
    for path in ("/notes", "/notes/{note_id}"):
        for method, operation in schema["paths"][path].items():
            assert "401" in operation["responses"], (method, path)
            assert operation["security"] == [{"OAuth2PasswordBearer": []}], (method, path)
    scheme = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "auth/jwt/login"
    assert "401" not in schema["paths"]["/health"]["get"]["responses"]
