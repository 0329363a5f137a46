"""Work of several statements runs in one transaction: it commits whole or not at all."""

from fastapi import FastAPI
from httpx import AsyncClient

from {{ cookiecutter.package_name }}.db import DatabaseDep
from {{ cookiecutter.package_name }}.repository import NotesDep
from {{ cookiecutter.package_name }}.schemas import NoteCreate


async def test_a_failed_second_write_leaves_nothing_of_the_first(
    app: FastAPI, client: AsyncClient
) -> None:
    @app.post("/two-notes")
    async def create_two_notes(notes: NotesDep, database: DatabaseDep) -> None:
        async with database.transaction():
            await notes.create(NoteCreate(text="First"))
            await notes.create(NoteCreate(text="Taken"))

    assert (await client.post("/notes", json={"text": "Taken"})).status_code == 201
    response = await client.post("/two-notes")
    assert response.status_code == 409
    assert [note["text"] for note in (await client.get("/notes")).json()] == ["Taken"]
