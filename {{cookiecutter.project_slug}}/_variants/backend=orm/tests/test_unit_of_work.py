"""A request's writes share one transaction: they commit together or not at all.

Units of work take the pool's connections in the order they asked for them, and one
that only reads commits nothing.
"""

import asyncio

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


async def test_units_of_work_get_a_connection_in_the_order_they_asked(database_url: str) -> None:
    database = Database(
        DatabaseSettings(
            database_url=database_url, database_pool_size=1, database_pool_max_overflow=0
        )
    )
    served: list[int] = []

    async def unit_of_work(number: int) -> None:
        async with database.unit_of_work(writes=False) as session:
            await session.execute(text("SELECT 1"))
            served.append(number)

    try:
        async with database.unit_of_work(writes=False) as session:
            await session.execute(text("SELECT 1"))
            waiting = [asyncio.create_task(unit_of_work(number)) for number in range(5)]
            for _ in range(20):  # let each of them start and wait
                await asyncio.sleep(0)
        # One more asks just as the connection comes back: it is served last.
        waiting.append(asyncio.create_task(unit_of_work(5)))
        await asyncio.gather(*waiting)
    finally:
        await database.close()
    assert served == list(range(6))


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
