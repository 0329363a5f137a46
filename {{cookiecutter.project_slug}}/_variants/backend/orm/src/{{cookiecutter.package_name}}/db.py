"""The engine, one AsyncSession per request, and how database errors map to HTTP."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

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
class Sessions:
    """The app's session factories, on one engine and one pool.

    `writer` sessions run a request in a transaction. `reader` sessions, for
    requests that only read, run each query on its own (autocommit): a single
    SELECT sees a consistent snapshot anyway, and the BEGIN and ROLLBACK of a
    transaction around it would be two more round trips.
    """

    writer: async_sessionmaker[AsyncSession]
    reader: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Sessions]:
    """The app's sessions; the engine's connections close on exit."""
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
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        yield Sessions(
            writer=async_sessionmaker(engine, expire_on_commit=False),
            reader=async_sessionmaker(autocommit, expire_on_commit=False),
        )
    finally:
        await engine.dispose()


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """A session that is closed, and its connection returned, before the response is sent.

    Closing rolls back whatever the request did not commit.
    """
    sessions: Sessions = request.app.state.db
    async with sessions.writer() as session:
        yield session


async def get_reader(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for requests that only read; closed before the response is sent."""
    sessions: Sessions = request.app.state.db
    async with sessions.reader() as session:
        yield session


DbDep = Annotated[AsyncSession, Depends(get_db, scope="function")]
ReaderDep = Annotated[AsyncSession, Depends(get_reader, scope="function")]
