"""How failures are answered: the database's as 503 or 409, everything else as 500."""

import asyncio
from typing import Any

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.repository import NotesDep
from {{ cookiecutter.package_name }}.schemas import NoteCreate
from {{ cookiecutter.package_name }}.settings import Settings

from .isolation import execute
from .support import serve

INTERNAL_ERROR = {"detail": "Internal Server Error"}


async def test_a_failed_write_leaves_its_connection_clean(fresh_database_url: str) -> None:
    """A request after a failed commit still works, on the same pooled connection."""
    # A pool of one connection, where connections are pooled.
    settings = Settings.model_validate(
        {"database_url": fresh_database_url, "database_pool_size": 1}
    )
    async with serve(create_app(settings)) as client:
        assert (await client.post("/notes", json={"text": "Once"})).status_code == 201
        assert (await client.post("/notes", json={"text": "Once"})).status_code == 409
        assert (await client.post("/notes", json={"text": "Twice"})).status_code == 201
        listed = await client.get("/notes")
    assert [note["text"] for note in listed.json()] == ["Once", "Twice"]


def answering_500s(app: FastAPI, client: AsyncClient) -> AsyncClient:
    """Another `client`, which gets the app's 500 responses rather than its exceptions."""
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    return AsyncClient(transport=transport, base_url=client.base_url, headers=client.headers)


async def test_errors_outside_the_database_are_500_not_503(
    app: FastAPI, client: AsyncClient
) -> None:
    """A route's own OSError or timeout says nothing about the database."""

    @app.get("/reads-a-missing-file")
    async def reads_a_missing_file(notes: NotesDep) -> None:
        raise FileNotFoundError("no such file")

    @app.get("/times-out")
    async def times_out(notes: NotesDep) -> None:
        async with asyncio.timeout(0):
            await asyncio.sleep(1)

    async with answering_500s(app, client) as unraised:
        responses = [await unraised.get(path) for path in ("/reads-a-missing-file", "/times-out")]
    for response in responses:
        assert response.status_code == 500, response.request.url
        assert response.json() == INTERNAL_ERROR
        assert "retry-after" not in response.headers


async def test_a_constraint_other_than_uniqueness_is_a_500(
    app: FastAPI, client: AsyncClient
) -> None:
    """A NOT NULL violation is a bug in the service, not the client's conflict."""

    @app.post("/notes-without-text")
    async def create_without_text(notes: NotesDep) -> Any:
        # Past the schema's validation, as a bug in the service would be.
        without_text = NoteCreate.model_construct(text=None, completed=False)  # type: ignore[arg-type]
        return await notes.create(without_text)

    async with answering_500s(app, client) as unraised:
        response = await unraised.post("/notes-without-text")
    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR
    assert (await client.get("/notes")).json() == []


async def test_a_foreign_key_violation_is_refused(fresh_database_url: str) -> None:
    app = create_app(Settings(database_url=fresh_database_url))
    async with serve(app):
        await execute(app, "CREATE TABLE parents (id INTEGER PRIMARY KEY)")
        await execute(
            app,
            "CREATE TABLE children (id INTEGER PRIMARY KEY,"
            " parent_id INTEGER NOT NULL REFERENCES parents (id))",
        )
        await execute(app, "INSERT INTO parents (id) VALUES (1)")
        await execute(app, "INSERT INTO children (id, parent_id) VALUES (1, 1)")
        try:
            await execute(app, "INSERT INTO children (id, parent_id) VALUES (2, 2)")
        except Exception as error:
            refused: BaseException | None = error
        else:
            refused = None
    assert refused is not None, "a child without its parent was written"
    assert "foreign key" in str(refused).lower()
