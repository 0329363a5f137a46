import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.db import Database
from {{ cookiecutter.package_name }}.models import metadata

from .provision import create_test_engine


@asynccontextmanager
async def isolated_database(app: FastAPI, database_url: str) -> AsyncIterator[None]:
    """Let the app write as it does in production, then delete every row it wrote.

    The app's transactions are real ones, so no test wraps them in another. The
    rows are deleted on one connection, not through a pool of their own, which
    on PostgreSQL would open ten connections for each test.
    """
    try:
        yield
    finally:
        engine = create_test_engine(database_url)
        try:
            async with engine.begin() as connection:
                for table in reversed(metadata.sorted_tables):
                    await connection.execute(table.delete())
        finally:
            await engine.dispose()


@asynccontextmanager
async def connection_held(app: FastAPI) -> AsyncIterator[None]:
    """Keep one of the running app's pooled connections taken, by a read in progress.

    `databases` gives each task its own connection, so another task holds it.
    """
    database: Database = app.state.database
    taken, done = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async for _ in database.iterate("SELECT 1"):
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
    """Run SQL on the running app's database, as a write in a transaction of its own
    unless `writes` is false; the first value it returns.

    `values` are bound to the SQL's `:name` parameters.
    """
    database: Database = app.state.database
    if not writes:
        return await database.fetch_val(sql, values)
    async with database.transaction():
        return await database.fetch_val(sql, values)
