"""A request's writes share one transaction: they commit together or not at all, and a
unit of work that only reads commits nothing.
"""

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import Connection, Engine, event, text

from {{ cookiecutter.package_name }}.db import Database, DatabaseSettings
from {{ cookiecutter.package_name }}.repository import NotesDep
from {{ cookiecutter.package_name }}.schemas import NoteCreate


async def test_a_failed_second_write_leaves_nothing_of_the_first(
    app: FastAPI, client: AsyncClient
) -> None:
    @app.post("/two-notes")
    async def create_two_notes(notes: NotesDep) -> None:
        await notes.create(NoteCreate(text="First"))
        await notes.create(NoteCreate(text="Taken"))

    assert (await client.post("/notes", json={"text": "Taken"})).status_code == 201
    response = await client.post("/two-notes")
    assert response.status_code == 409
    assert [note["text"] for note in (await client.get("/notes")).json()] == ["Taken"]


async def test_a_unit_of_work_that_only_reads_ends_without_a_commit(database_url: str) -> None:
    database = Database(DatabaseSettings(database_url=database_url))
    ends: list[str] = []

    def committed(connection: Connection) -> None:
        ends.append("commit")

    def rolled_back(connection: Connection) -> None:
        ends.append("rollback")

    event.listen(Engine, "commit", committed)
    event.listen(Engine, "rollback", rolled_back)
    try:
        async with database.unit_of_work(writes=False) as session:
            await session.execute(text("SELECT 1"))
        read_ends = ends.copy()
        async with database.unit_of_work(writes=True) as session:
            await session.execute(text("SELECT 1"))
    finally:
        event.remove(Engine, "commit", committed)
        event.remove(Engine, "rollback", rolled_back)
        await database.close()
    assert read_ends == ["rollback"]
    assert ends == ["rollback", "commit"]
