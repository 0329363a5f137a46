"""The server's connections: one pool, taken in the order units of work ask."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import dialect
from .connect import DatabaseSettings, engine, translated_errors
from .errors import DatabaseUnavailable
from .turns import Turns


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

    async def ping(self) -> None:
        """Return once the database answers a query; DatabaseUnavailable if it cannot."""
        async with self.unit_of_work(writes=False) as session:
            await session.execute(text("SELECT 1"))
