"""The engine, and one session per request: the request's unit of work.

The engine's settings and the errors of its calls are in connect.py; how its
connections are shared, which differs for a file and for a server, in pool.py.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated

from fastapi import Depends, Request
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy.ext.asyncio import AsyncSession

from .connect import DatabaseSettings, translated_errors
from .pool import Database

__all__ = [
    "Database",
    "DatabaseDep",
    "DatabaseSettings",
    "SessionDep",
    "open_database",
    "statements_traced",
    "translated_errors",
]

# Requests with these methods only read; a request with any other may write.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@contextmanager
def statements_traced(database: Database, provider: TracerProvider) -> Iterator[None]:
    """A client span per statement of the database's engines, without its parameters."""
    instrumentor = SQLAlchemyInstrumentor()
    instrumentor.instrument(
        engines=[engine.sync_engine for engine in database.engines],
        tracer_provider=provider,
        enable_commenter=False,
        # The instrumentation declares SQLAlchemy below 2.1; the engine events it
        # listens to are unchanged in 2.1 (tests/test_observability.py sees its spans).
        skip_dep_check=True,
    )
    try:
        yield
    finally:
        instrumentor.uninstrument()


@asynccontextmanager
async def open_database(settings: DatabaseSettings) -> AsyncIterator[Database]:
    """The app's database; the pool's connections are closed on exit."""
    database = Database(settings)
    try:
        yield database
    finally:
        await database.close()


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_session(database: DatabaseDep, request: Request) -> AsyncIterator[AsyncSession]:
    async with database.unit_of_work(writes=request.method not in READ_ONLY_METHODS) as session:
        yield session


# The session's work is committed before the response is sent (scope="function"),
# so a client that reads a 201 will find the row. It holds its connection, and the
# locks its writes take, for the whole route: a route that does slow work that is not
# the database's, such as an outgoing HTTP call, takes DatabaseDep instead and opens
# short units of work (`database.unit_of_work(writes=...)`) around that work.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
