"""The engine, and one session per request: the request's unit of work."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from pydantic import Field
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from . import dialect
from .errors import Conflict, DatabaseUnavailable, UnexpectedDatabaseError
from .turns import Turns

# Requests with these methods only read; a request with any other may write.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class DatabaseSettings(dialect.ConnectionSettings):
    """The connection pool; the README's Settings table explains each."""

    database_pool_size: int = Field(default=dialect.POOL_SIZE, ge=1)
    # Connections past the pool size are closed when returned; under steady load
    # that means a new connection per request, so none by default.
    database_pool_max_overflow: int = Field(default=0, ge=0)
    database_pool_recycle: int = Field(default=1800, ge=1)
    database_pool_pre_ping: bool = False


def engine(settings: DatabaseSettings, *, pool_size: int, **options: Any) -> AsyncEngine:
    return create_async_engine(
        settings.database_url,
        pool_size=pool_size,
        max_overflow=settings.database_pool_max_overflow,
        pool_timeout=settings.database_pool_timeout,
        pool_recycle=settings.database_pool_recycle,
        pool_pre_ping=settings.database_pool_pre_ping,
        connect_args=dialect.engine_connect_args(settings),
        # A failed statement's error shows its SQL, never the values bound to it, so
        # a 500's logged traceback leaves them out.
        hide_parameters=True,
        **options,
    )


@contextmanager
def translated_errors() -> Iterator[None]:
    """Errors of database calls as the API answers them: 503 or 409.

    Repositories answer their constraints' refusals first (constraints.py). Any
    other database error is a bug, and stays a 500, without the driver's text.
    """
    try:
        yield
    except exc.TimeoutError as error:  # no pooled connection came free in time
        raise DatabaseUnavailable from error
    except exc.DBAPIError as error:
        driver_error = error.orig or error
        if isinstance(error, exc.InterfaceError) or dialect.is_outage(driver_error):
            raise DatabaseUnavailable from error
        if dialect.is_unique_violation(driver_error):
            raise Conflict from error
        unexpected = UnexpectedDatabaseError(
            f"{type(driver_error).__name__} ({dialect.error_code(driver_error)}) in: {error.statement}"
        )
        raise unexpected.with_traceback(error.__traceback__) from None


class Database:
    """The engine, its pool, and the sessions made from it, one per unit of work."""

    def __init__(self, settings: DatabaseSettings) -> None:
        size = settings.database_pool_size
        # SQLAlchemy's async pool waits for a connection on an `asyncio.Queue`,
        # which lets a newcomer take a returned connection ahead of the waiters.
        # Units of work wait here first, in order, for as many as the pool holds,
        # so the pool itself never waits (see turns.py).
        self._connections = Turns(
            size + settings.database_pool_max_overflow,
            settings.database_pool_timeout,
            name=dialect.POOL_NAME,
        )
{%- if cookiecutter.database == "sqlite" %}
        # Reads run outside any transaction (see dialect.py), so their connections
        # have nothing to roll back: SQLAlchemy skips the rollback it would send
        # when a read's session closes and again when the pool takes the
        # connection back, each a round trip to the connection's thread.
        self._engine = engine(settings, pool_size=size, skip_autocommit_rollback=True)
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)
        # SQLite lets one connection write at a time: writers share one of their
        # own, taking turns for it in arrival order, so that they never wait for
        # a connection behind readers.
        self._writer = engine(settings, pool_size=1)
        self._writer_sessions = async_sessionmaker(self._writer, expire_on_commit=False)
        self.engines = (self._engine, self._writer)
        self.writers = dialect.WriteQueue(settings.database_pool_timeout)

    @asynccontextmanager
    async def unit_of_work(self, *, writes: bool) -> AsyncIterator[AsyncSession]:
        """A session whose writes are committed at the end, or rolled back on any error.

        A unit of work that writes waits for its turn, then takes the write lock.
        One that only reads runs each statement on its own: in WAL mode each sees
        the database as last committed, and never waits for the writer. It has
        nothing to commit or roll back: closing the session ends it without a
        round trip to the connection's thread.
        """
        if writes:
            turn, sessions = self.writers.turn(), self._writer_sessions
        else:
            turn, sessions = self._connections.turn(), self._sessions
        async with turn, sessions() as session:
            with translated_errors():
                try:
                    connection = await session.connection()
                except (OSError, TimeoutError) as error:  # raised by the driver as is
                    raise DatabaseUnavailable from error
                if writes:
                    # sqlite3 leaves beginning transactions to the service (see dialect.py).
                    await connection.exec_driver_sql(dialect.BEGIN_WRITE)
                yield session
                if writes:
                    await session.commit()

    async def close(self) -> None:
        await self._engine.dispose()
        await self._writer.dispose()
        self._connections.close()
        self.writers.close()
{%- else %}
        self._engine = engine(settings, pool_size=size)
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)
        self.engines = (self._engine,)

    @asynccontextmanager
    async def unit_of_work(self, *, writes: bool) -> AsyncIterator[AsyncSession]:
        """A session whose writes are committed at the end, or rolled back on any error.

        A unit of work that only reads runs as its dialect finds cheapest, in
        autocommit or in a transaction (dialect.READ_ONLY_EXECUTION_OPTIONS); each
        of its statements reads a consistent snapshot either way. It has nothing
        to commit: closing the session ends it, in at most one round trip, where a
        commit would take two (the pool follows a commit with a rollback).
        """
        options = {} if writes else dialect.READ_ONLY_EXECUTION_OPTIONS
        async with self._connections.turn(), self._sessions() as session:
            with translated_errors():
                try:
                    # Connect now, so that an unreachable server is a 503 before
                    # the request's own work starts.
                    await session.connection(execution_options=options)
                except (OSError, TimeoutError) as error:  # raised by the driver as is
                    raise DatabaseUnavailable from error
                yield session
                if writes:
                    await session.commit()

    async def close(self) -> None:
        await self._engine.dispose()
        self._connections.close()
{%- endif %}

    async def ping(self) -> None:
        """Return once the database answers a query; DatabaseUnavailable if it cannot."""
        async with self.unit_of_work(writes=False) as session:
            await session.execute(text("SELECT 1"))


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
