"""SQLite's connections: readers side by side, and one writer at a time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import dialect
from .connect import DatabaseSettings, engine, translated_errors
from .errors import DatabaseUnavailable
from .turns import Turns


class Database:
    """The engines, their pools, and the sessions made from them, one per unit of work."""

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
        # Reads run outside any transaction (see dialect.py), so their connections
        # have nothing to roll back: SQLAlchemy skips the rollback it would send
        # when a read's session closes and again when the pool takes the
        # connection back, each a round trip to the connection's thread.
        self._engine = engine(settings, pool_size=size, skip_autocommit_rollback=True)
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)
        # SQLite lets one connection write at a time: writers share one of their
        # own, taking turns for it in arrival order, so that they never wait for
        # a connection behind readers.
        # Each of their units of work ends its transaction itself, committing or
        # rolling back, so the pool does not roll back again as it takes the
        # connection back: that would be one more round trip to the connection's
        # thread while the next writer waits (tests/test_pool.py).
        self._writer = engine(settings, pool_size=1, pool_reset_on_return=None)
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
                    try:
                        await session.commit()
                    except BaseException:
                        # SQLite keeps the transaction open when it refuses a COMMIT
                        # (a deferred foreign key, a full disk), while SQLAlchemy takes
                        # it for ended and rolls nothing back: the connection is closed
                        # instead, which ends it, and the next writer opens another.
                        await session.invalidate()
                        raise

    async def close(self) -> None:
        await self._engine.dispose()
        await self._writer.dispose()
        self._connections.close()
        self.writers.close()

    async def ping(self) -> None:
        """Return once the database answers a query; DatabaseUnavailable if it cannot."""
        async with self.unit_of_work(writes=False) as session:
            await session.execute(text("SELECT 1"))
