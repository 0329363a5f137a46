import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from databases import Database as Databases
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.db import Database
from {{ cookiecutter.package_name }}.models import metadata


@asynccontextmanager
async def isolated_database(app: FastAPI, database_url: str) -> AsyncIterator[None]:
    """Let the app write as it does in production, then delete every row it wrote.

    The app's transactions are real ones, so no test wraps them in another.
    """
    try:
        yield
    finally:
        async with Databases(database_url) as database:
            for table in reversed(metadata.sorted_tables):
                await database.execute(table.delete())


@asynccontextmanager
async def connection_held(app: FastAPI) -> AsyncIterator[None]:
    """Keep one of the running app's pooled connections taken.

    `databases` gives each task its own connection, so another task holds it.
    """
    database: Database = app.state.database
    connected = await database.connected()
    taken, done = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with connected.connection():
            taken.set()
            await done.wait()

    holder = asyncio.create_task(hold())
    await taken.wait()
    try:
        yield
    finally:
        done.set()
        await holder


async def execute(
    app: FastAPI, sql: str, *, writes: bool = True, values: dict[str, Any] | None = None
) -> Any:
    """Run SQL in a unit of work of the running app's own; the first value it returns.

    `values` are bound to the SQL's `:name` parameters.
    """
    database: Database = app.state.database
    async with database.unit_of_work(writes=writes) as connection:
        return await connection.fetch_val(sql, values)
