import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker

from {{ cookiecutter.package_name }}.db import Database, get_db

from .provision import create_test_engine


class RolledBackDatabase(Database):
    """The app's database access inside one connection's transaction.

    Sessions join it through savepoints, so the app's own commits and rollbacks
    stay inside it; reads run on the connection itself.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        sessions = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        super().__init__(connection.engine, sessions, turns=asyncio.Semaphore(), timeout=10)
        self.connection = connection

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncConnection]:
        yield self.connection


@asynccontextmanager
async def isolated_database(app: FastAPI, database_url: str) -> AsyncIterator[None]:
    """Run the app's queries inside one transaction that is rolled back at the end."""
    engine = create_test_engine(database_url)
    async with engine.connect() as connection:
        transaction = await connection.begin()
        database = RolledBackDatabase(connection)

        async def get_test_db() -> Database:
            return database

        app.dependency_overrides[get_db] = get_test_db
        try:
            yield
        finally:
            app.dependency_overrides.pop(get_db)
            await transaction.rollback()
    await engine.dispose()


@asynccontextmanager
async def connection_held(app: FastAPI) -> AsyncIterator[None]:
    """Keep one of the running app's pooled connections checked out."""
    database: Database = app.state.db
    async with database.session() as session:
        await session.connection()
        yield
