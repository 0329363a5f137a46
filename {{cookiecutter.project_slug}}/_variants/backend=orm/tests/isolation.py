from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from {{ cookiecutter.package_name }}.db import Database, get_database, translated_errors

from .provision import create_test_engine


class RolledBackDatabase(Database):
    """The app's database inside one connection's transaction, rolled back at the end.

    Each unit of work is a session that joins it through a savepoint, so the
    app's own commits and rollbacks stay inside it.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self._joined_sessions = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )

    @asynccontextmanager
    async def unit_of_work(self, *, writes: bool) -> AsyncIterator[AsyncSession]:
        async with self._joined_sessions() as session:
            with translated_errors():
                yield session
                await session.commit()


@asynccontextmanager
async def isolated_database(app: FastAPI, database_url: str) -> AsyncIterator[None]:
    """Run the app's queries inside one transaction that is rolled back at the end."""
    engine = create_test_engine(database_url)
    async with engine.connect() as connection:
        transaction = await connection.begin()
        database = RolledBackDatabase(connection)

        async def get_test_database() -> Database:
            return database

        app.dependency_overrides[get_database] = get_test_database
        try:
            yield
        finally:
            app.dependency_overrides.pop(get_database)
            await transaction.rollback()
    await engine.dispose()


@asynccontextmanager
async def connection_held(app: FastAPI) -> AsyncIterator[None]:
    """Keep one of the running app's pooled connections checked out."""
    database: Database = app.state.database
    async with database.unit_of_work(writes=False) as session:
        await session.connection()
        yield


async def execute(
    app: FastAPI, sql: str, *, writes: bool = True, values: dict[str, Any] | None = None
) -> Any:
    """Run SQL in a unit of work of the running app's own; the first value it returns.

    `values` are bound to the SQL's `:name` parameters.
    """
    database: Database = app.state.database
    async with database.unit_of_work(writes=writes) as session:
        connection = await session.connection()
        if values is None:
            result = await connection.exec_driver_sql(sql)
        else:
            result = await connection.execute(text(sql), values)
        return result.scalar() if result.returns_rows else None
