"""The server's connections: the driver's pool, taken in the order units of work ask."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from databases import Database as Databases
from databases.core import Connection
from pydantic import Field

from . import dialect
from .connect import translated_errors
from .errors import DatabaseUnavailable
from .turns import Turns


class DatabaseSettings(dialect.ConnectionSettings):
    """The connection pool; the README's Settings table explains each."""

    database_pool_size: int = Field(default=dialect.POOL_SIZE, ge=1)
    # Connections opened past the pool size under load.
    database_pool_max_overflow: int = Field(default=0, ge=0)


@asynccontextmanager
async def transaction(connection: Connection) -> AsyncIterator[None]:
    """A transaction for work that writes more than once: it commits or rolls back whole."""
    async with connection.transaction():
        yield


class Database:
    """The app's `databases.Database`, connected again on first use if it was down."""

    def __init__(self, settings: DatabaseSettings) -> None:
        self.database = Databases(
            settings.database_url,
            min_size=settings.database_pool_size,
            max_size=settings.database_pool_size + settings.database_pool_max_overflow,
            **dialect.connect_args(settings),
        )
        # Seconds to wait for a turn, and again for the connection it lets through,
        # which may mean connecting to a server that does not answer.
        self.timeout = settings.database_pool_timeout
        self._connecting = asyncio.Lock()
        # The drivers' pools let a newcomer take a returned connection ahead of
        # the tasks waiting for one. Units of work wait here first, in order, for
        # as many as the pool holds, so the pool itself never waits (see turns.py).
        self._connections = Turns(
            settings.database_pool_size + settings.database_pool_max_overflow,
            self.timeout,
            name=dialect.POOL_NAME,
        )

    @asynccontextmanager
    async def unit_of_work(self, *, writes: bool) -> AsyncIterator[Connection]:
        """A connection from the pool for the request, given back at the end.

        Each statement commits on its own; work that writes more than once does
        so in `transaction(connection)`. Units of work take the pool's
        connections in the order they asked.
        """
        # The turn ends only once the connection is back in the pool.
        async with self._connections.turn(), AsyncExitStack() as stack:
            with translated_errors():
                try:
                    async with asyncio.timeout(self.timeout):
                        database = await self.connected()
                        connection = await stack.enter_async_context(database.connection())
                except (OSError, TimeoutError) as error:  # raised by the driver as is
                    raise DatabaseUnavailable from error
                yield connection

    async def close(self) -> None:
        if self.database.is_connected:
            await self.database.disconnect()
        self._connections.close()

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
