"""How failures are answered: the database's as 503, 409 or 422, everything else as 500."""

import asyncio
import logging

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from {{ cookiecutter.package_name }}.errors import UnexpectedDatabaseError
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.repository import NotesDep
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


async def test_a_constraint_other_than_uniqueness_is_a_500_that_logs_no_row_value(
    fresh_database_url: str,
) -> None:
    """A NOT NULL violation is a bug in the service, not the client's conflict.

    The 500's log record (uvicorn logs the exception with its traceback) shows
    the error and the SQL, never the values of the row.
    """
    app = create_app(Settings(database_url=fresh_database_url))
    secret = "row value 8f3a7c"

    @app.post("/notes-without-completed")
    async def create_without_completed() -> None:
        # A bug in the service: a statement that leaves out a required value.
        sql = "INSERT INTO notes (text, completed) VALUES (:text, NULL)"
        await execute(app, sql, values={"text": secret})

    async with serve(app) as client:
        async with answering_500s(app, client) as unraised:
            response = await unraised.post("/notes-without-completed")
        assert response.status_code == 500
        assert response.json() == INTERNAL_ERROR
        with pytest.raises(UnexpectedDatabaseError) as raised:
            await client.post("/notes-without-completed")
        assert (await client.get("/notes")).json() == []
    logged = logging.Formatter().formatException((raised.type, raised.value, raised.tb))
    assert "UnexpectedDatabaseError" in logged
    assert secret not in logged
