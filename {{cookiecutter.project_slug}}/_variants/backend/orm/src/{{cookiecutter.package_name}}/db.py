"""The engine, sessions and read connections, and how database errors map to HTTP."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .settings import Settings

# Errors of the database layer that errors.py answers instead of a 500.
DATABASE_ERRORS: tuple[type[Exception], ...] = (exc.DBAPIError, exc.TimeoutError, OSError)

# No connection to be had: none free in time, the server unreachable, or the
# connection lost. Always a 503.
NO_CONNECTION_ERRORS: tuple[type[Exception], ...] = (exc.TimeoutError, exc.InterfaceError, OSError)

# A write broke a constraint, such as a duplicate unique value: 409.
CONFLICT_ERRORS: tuple[type[Exception], ...] = (exc.IntegrityError,)


def driver_error(error: Exception) -> BaseException:
    """The driver's own error, which SQLAlchemy wraps."""
    if isinstance(error, exc.DBAPIError) and error.orig is not None:
        return error.orig
    return error


@dataclass
class Database:
    """Where queries get their session or connection; one engine, one pool.

    Each repository function is one unit of work: it opens a session, or for a
    read a connection, and closes it before it returns, so the connection is
    back in the pool, and any write committed, before the response is sent.
    """

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # As many turns as the pool has connections, handed out in the order asked.
    # SQLAlchemy's async pool waits on an asyncio.Queue, which lets a newcomer
    # take a connection just returned ahead of those already waiting: under
    # load, the slowest requests waited ten times as long as the median.
    turns: asyncio.Semaphore
    # Seconds to wait for a turn before giving up with a TimeoutError.
    timeout: float

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with asyncio.timeout(self.timeout):
            await self.turns.acquire()
        try:
            yield
        finally:
            self.turns.release()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session, whose transaction is rolled back on close unless committed."""
        async with self.turn(), self.sessions() as session:
            yield session

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncConnection]:
{%- if cookiecutter.database == "postgresql" %}
        """A connection in autocommit, for work that only reads.

        A session's identity map, unit of work and transaction would go unused,
        and the BEGIN and ROLLBACK around a single SELECT, which sees a
        consistent snapshot anyway, would be two more round trips.
        """
        async with self.turn(), self.engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")
{%- else %}
        """A connection for work that only reads.

        A session's identity map and unit of work would go unused. Python's
        sqlite3 begins a transaction only before a write, so a SELECT runs
        without one; switching the connection to autocommit and back would cost
        three more calls to its thread, each as dear as the query.
        """
        async with self.turn(), self.engine.connect() as connection:
            yield connection
{%- endif %}


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """The app's database access; the engine's connections close on exit."""
    engine = create_async_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_max_overflow,
        pool_timeout=settings.database_pool_timeout,
        pool_recycle=settings.database_pool_recycle,
        pool_pre_ping=settings.database_pool_pre_ping,
{%- if cookiecutter.database == "sqlite" %}
        # How long to wait for a lock held by another connection.
{%- else %}
        # How long to wait for a new connection to be accepted.
{%- endif %}
        connect_args={"timeout": settings.database_pool_timeout},
    )
    try:
        yield Database(
            engine,
            async_sessionmaker(engine, expire_on_commit=False),
            turns=asyncio.Semaphore(
                settings.database_pool_size + settings.database_pool_max_overflow
            ),
            timeout=settings.database_pool_timeout,
        )
    finally:
        await engine.dispose()


async def get_db(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


DbDep = Annotated[Database, Depends(get_db)]
