"""Work of several statements runs in one transaction: it commits whole or not at all.

Units of work take connections in the order they asked for them.
"""

import asyncio

from fastapi import FastAPI
from httpx import AsyncClient

from {{ cookiecutter.package_name }}.db import (
    ConnectionDep,
    Database,
    DatabaseSettings,
    transaction,
)
from {{ cookiecutter.package_name }}.repository import NotesDep
from {{ cookiecutter.package_name }}.schemas import NoteCreate


async def test_a_failed_second_write_leaves_nothing_of_the_first(
    app: FastAPI, client: AsyncClient
) -> None:
    @app.post("/two-notes")
    async def create_two_notes(notes: NotesDep, connection: ConnectionDep) -> None:
        async with transaction(connection):
            await notes.create(NoteCreate(text="First"))
            await notes.create(NoteCreate(text="Taken"))

    assert (await client.post("/notes", json={"text": "Taken"})).status_code == 201
    response = await client.post("/two-notes")
    assert response.status_code == 409
    assert [note["text"] for note in (await client.get("/notes")).json()] == ["Taken"]


async def test_units_of_work_get_a_connection_in_the_order_they_asked(database_url: str) -> None:
    database = Database(DatabaseSettings(database_url=database_url, database_pool_size=1))
    served: list[int] = []

    async def unit_of_work(number: int) -> None:
        async with database.unit_of_work(writes=False) as connection:
            await connection.fetch_val("SELECT 1")
            served.append(number)

    try:
        async with database.unit_of_work(writes=False) as connection:
            await connection.fetch_val("SELECT 1")
            waiting = [asyncio.create_task(unit_of_work(number)) for number in range(5)]
            for _ in range(20):  # let each of them start and wait
                await asyncio.sleep(0)
        # One more asks just as the connection comes back: it is served last.
        waiting.append(asyncio.create_task(unit_of_work(5)))
        await asyncio.gather(*waiting)
    finally:
        await database.close()
    assert served == list(range(6))
