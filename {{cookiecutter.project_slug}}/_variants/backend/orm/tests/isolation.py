from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from {{ cookiecutter.package_name }}.db import Sessions, get_db, get_reader

from .provision import create_test_engine


@asynccontextmanager
async def isolated_database(app: FastAPI, database_url: str) -> AsyncIterator[None]:
    """Run the app's sessions inside one transaction that is rolled back at the end.

    Sessions join it through savepoints, so the app's own commits and rollbacks
    stay inside the test.
    """
    engine = create_test_engine(database_url)
    async with engine.connect() as connection:
        transaction = await connection.begin()
        sessions = async_sessionmaker(
            bind=connection,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )

        async def get_test_db() -> AsyncIterator[AsyncSession]:
            async with sessions() as session:
                yield session

        app.dependency_overrides[get_db] = get_test_db
        app.dependency_overrides[get_reader] = get_test_db
        try:
            yield
        finally:
            app.dependency_overrides.pop(get_db)
            app.dependency_overrides.pop(get_reader)
            await transaction.rollback()
    await engine.dispose()


@asynccontextmanager
async def connection_held(app: FastAPI) -> AsyncIterator[None]:
    """Keep one of the running app's pooled connections checked out."""
    sessions: Sessions = app.state.db
    async with sessions.writer() as session:
        await session.connection()
        yield
