import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from databases import Database
from fastapi import FastAPI

from {{ cookiecutter.package_name }}.db import Connector, get_db


class RolledBackConnector(Connector):
    """The app's database as one connection whose transaction is rolled back later.

    With `force_rollback`, transactions become savepoints. Each unit of work
    runs in one, so that a statement that fails rolls back only its own work,
    as it would outside a transaction, and the outer transaction stays usable.
    """

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Database]:
        async with self.database.transaction():
            yield self.database


@asynccontextmanager
async def isolated_database(app: FastAPI, database_url: str) -> AsyncIterator[None]:
    """Serve the app from one connection whose transaction is rolled back at the end."""
    async with Database(database_url, force_rollback=True) as database:
        connector = RolledBackConnector(database, timeout=10)

        async def get_test_db() -> Connector:
            return connector

        app.dependency_overrides[get_db] = get_test_db
        try:
            yield
        finally:
            app.dependency_overrides.pop(get_db)


@asynccontextmanager
async def connection_held(app: FastAPI) -> AsyncIterator[None]:
    """Keep one of the running app's pooled connections taken.

    `databases` gives each task its own connection, so another task holds it.
    """
    connector: Connector = app.state.db
    database = await connector.connected()
    taken, done = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with database.connection():
            taken.set()
            await done.wait()

    holder = asyncio.create_task(hold())
    await taken.wait()
    try:
        yield
    finally:
        done.set()
        await holder
