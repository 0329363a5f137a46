"""The server's connections: the driver's pool, taken in the order statements ask."""

import asyncio
from collections.abc import AsyncGenerator, Awaitable
from types import TracebackType
from typing import Any

import databases
from databases.core import Connection as TaskConnection
from databases.core import Transaction as TaskTransaction
from databases.interfaces import DatabaseBackend, Record
from pydantic import Field
from sqlalchemy.sql import ClauseElement

from . import dialect
from .connect import translated_errors
from .errors import DatabaseUnavailable
from .turns import Turns

Query = ClauseElement | str


class DatabaseSettings(dialect.ConnectionSettings):
    """The connection pool; the README's Settings table explains each."""

    database_pool_size: int = Field(default=dialect.POOL_SIZE, ge=1)
    # Connections opened past the pool size under load.
    database_pool_max_overflow: int = Field(default=0, ge=0)


class Database(databases.Database):
    """The app's `databases.Database`, connected again on first use if it was down.

    Use it as `databases` documents: `await database.fetch_one(query)`, and
    `async with database.transaction():` around work that writes more than once,
    which commits or rolls back whole. Each asyncio task has one connection of
    its own, taken from the pool for a statement or a transaction and given back
    when it ends. Tasks take the pool's connections in the order they asked, and
    the errors of their statements are the API's (connect.py).
    """

    def __init__(self, settings: DatabaseSettings) -> None:
        places = settings.database_pool_size + settings.database_pool_max_overflow
        super().__init__(
            settings.database_url,
            min_size=settings.database_pool_size,
            max_size=places,
            **dialect.pool_args(settings),
        )
        # Seconds to wait for a turn, and again for the connection it lets through,
        # which may mean connecting to a server that does not answer.
        self.timeout = settings.database_pool_timeout
        self._connecting = asyncio.Lock()
        # The drivers' pools let a newcomer take a returned connection ahead of
        # the tasks waiting for one. Tasks wait here first, in order, for as many
        # as the pool holds, so the pool itself never waits (see turns.py).
        self.turns = Turns(places, self.timeout, name=dialect.POOL_NAME)

    def connection(self) -> "Connection":
        # `databases` keeps the current task's connection, until it is given back.
        if self._connection is None:
            self._connection = Connection(self, self._backend)
        assert isinstance(self._connection, Connection)
        return self._connection

    def transaction(self, *, force_rollback: bool = False, **kwargs: Any) -> "Transaction":
        return Transaction(self.connection, force_rollback, **kwargs)

    async def connect_once(self) -> None:
        """Connect now if the database was down when the service started."""
        async with self._connecting:
            if not self.is_connected:
                await self.connect()

    async def close(self) -> None:
        await self.disconnect()
        self.turns.close()

    async def ping(self) -> None:
        """Return once the database answers a query; DatabaseUnavailable if it cannot."""
        await self.fetch_val("SELECT 1")


class Connection(TaskConnection):
    """A task's connection: it waits its turn for the pool when first used."""

    def __init__(self, database: Database, backend: DatabaseBackend) -> None:
        super().__init__(database, backend)
        self._owner = database
        self._uses = 0

    async def __aenter__(self) -> "Connection":
        if self._uses == 0:
            await self._owner.turns.take()
            try:
                await self._take_from_pool()
            except BaseException:
                self._owner.turns.give()
                raise
        else:
            await super().__aenter__()
        self._uses += 1
        return self

    async def _take_from_pool(self) -> None:
        with translated_errors():
            try:
                async with asyncio.timeout(self._owner.timeout):
                    if not self._owner.is_connected:
                        await self._owner.connect_once()
                    await super().__aenter__()
            except (OSError, TimeoutError) as error:  # raised by the driver as is
                raise DatabaseUnavailable from error

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._uses -= 1
        try:
            await super().__aexit__(exc_type, exc_value, traceback)
        finally:
            if self._uses == 0:
                self._owner.turns.give()

    @property
    def uses(self) -> int:
        """The statements and transactions of the task that hold the connection now."""
        return self._uses

    async def give_back(self, uses: int) -> None:
        """End the uses past `uses`: those a BEGIN or COMMIT that failed left open."""
        while self._uses > uses:
            await self.__aexit__()

    async def fetch_all(self, query: Query, values: dict[str, Any] | None = None) -> list[Record]:
        with translated_errors():
            return await super().fetch_all(query, values)

    async def fetch_one(self, query: Query, values: dict[str, Any] | None = None) -> Record | None:
        with translated_errors():
            return await super().fetch_one(query, values)

    async def fetch_val(
        self, query: Query, values: dict[str, Any] | None = None, column: Any = 0
    ) -> Any:
        with translated_errors():
            return await super().fetch_val(query, values, column=column)

    async def execute(self, query: Query, values: dict[str, Any] | None = None) -> Any:
        with translated_errors():
            return await super().execute(query, values)

    async def execute_many(self, query: Query, values: list[dict[str, Any]]) -> None:
        with translated_errors():
            await super().execute_many(query, values)

    async def iterate(
        self, query: Query, values: dict[str, Any] | None = None
    ) -> AsyncGenerator[Any, None]:
        with translated_errors():
            async for record in super().iterate(query, values):
                yield record

    def transaction(self, *, force_rollback: bool = False, **kwargs: Any) -> "Transaction":
        return Transaction(lambda: self, force_rollback, **kwargs)


class Transaction(TaskTransaction):
    """A transaction whose BEGIN, COMMIT and ROLLBACK fail as the API answers.

    One that fails gives its connection back, where `databases` would keep it.
    """

    async def start(self) -> "Transaction":
        connection = self.task_connection()
        uses = connection.uses
        try:
            with translated_errors():
                await super().start()
        except BaseException:
            await connection.give_back(uses)
            raise
        return self

    async def commit(self) -> None:
        await self._end(super().commit())

    async def rollback(self) -> None:
        await self._end(super().rollback())

    async def _end(self, ending: Awaitable[None]) -> None:
        connection = self.task_connection()
        uses = connection.uses - 1  # without this transaction's
        try:
            with translated_errors():
                await ending
        except BaseException:
            await connection.give_back(uses)
            raise

    def task_connection(self) -> Connection:
        connection = self._connection
        assert isinstance(connection, Connection)
        return connection
