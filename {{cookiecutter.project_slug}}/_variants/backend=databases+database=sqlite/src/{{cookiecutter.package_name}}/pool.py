"""SQLite's connections: many readers, one writer, each kept open until the service stops."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from databases import Database as Databases
from databases.core import Connection
from pydantic import Field

from . import dialect
from .connect import translated_errors
from .turns import Turns


class DatabaseSettings(dialect.ConnectionSettings):
    """How many requests read at once; the README's Settings table explains it."""

    # Read connections, each opened when first needed and kept until the
    # service stops; writers share one more.
    database_pool_size: int = Field(default=dialect.POOL_SIZE, ge=1)


@asynccontextmanager
async def transaction(connection: Connection) -> AsyncIterator[None]:
    """A transaction for work that writes more than once: it commits or rolls back whole.

    `databases` begins SQLite transactions DEFERRED, and one that read before it
    wrote would fail at once if another process had written in between; this
    one takes the write lock when it begins.
    """
    await connection.execute(dialect.BEGIN_WRITE)
    try:
        yield
    except BaseException:
        await connection.execute("ROLLBACK")
        raise
    await connection.execute("COMMIT")


class Database:
    """The app's `databases.Database`, and the connections it keeps open to read and write.

    `databases` does not pool SQLite connections: each one it opens starts a
    thread and sets the file up anew, and closes both when released. Keeping
    them open saves that work on every request.
    """

    def __init__(self, settings: DatabaseSettings) -> None:
        self.database = Databases(settings.database_url, **dialect.connect_args(settings))
        self.writers = dialect.WriteQueue(settings.database_pool_timeout)
        self._readers = Turns(
            settings.database_pool_size, settings.database_pool_timeout, name=dialect.POOL_NAME
        )
        self._connecting = asyncio.Lock()
        # Every connection opened, each closed when the service stops.
        self._opened = AsyncExitStack()
        self._writer_connection: Connection | None = None
        self._idle_readers: list[Connection] = []

    @asynccontextmanager
    async def unit_of_work(self, *, writes: bool) -> AsyncIterator[Connection]:
        """A connection for the request: a reader's to read, the writers' one to write.

        Each statement commits on its own; work that writes more than once does
        so in `transaction(connection)`. SQLite lets one connection write at a
        time, so writers take turns for theirs, in arrival order. Readers take
        turns too, as many at once as the pool size, each on a connection of
        its own, and never wait for the writers.
        """
        with translated_errors():
            if writes:
                async with self.writers.turn():
                    yield await self.writer_connection()
            else:
                async with self._readers.turn():
                    reader = self._idle_readers.pop() if self._idle_readers else await self.open()
                    try:
                        yield reader
                    finally:
                        self._idle_readers.append(reader)

    async def writer_connection(self) -> Connection:
        if self._writer_connection is None:
            self._writer_connection = await self.open()
        return self._writer_connection

    async def open(self) -> Connection:
        """A new connection, open until the service stops."""
        database = await self.connected()

        async def opened() -> Connection:
            return await self._opened.enter_async_context(database.connection())

        # `databases` gives each asyncio task one connection: opened in a task of
        # its own, this one is new, never another reader's or the writers'.
        return await asyncio.create_task(opened())

    async def close(self) -> None:
        await self._opened.aclose()
        if self.database.is_connected:
            await self.database.disconnect()
        self._readers.close()
        self.writers.close()

    async def connected(self) -> Databases:
        """The `Database`, connected now if it was down when the service started."""
        if not self.database.is_connected:
            async with self._connecting:
                if not self.database.is_connected:
                    await self.database.connect()
        return self.database

    async def ping(self) -> None:
        """Return once the database answers a query; DatabaseUnavailable if it cannot."""
        async with self.unit_of_work(writes=False) as connection:
            await connection.fetch_val("SELECT 1")
