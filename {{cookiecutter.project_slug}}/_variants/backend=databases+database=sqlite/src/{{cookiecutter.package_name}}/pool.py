"""SQLite's connections: many readers, one writer, each kept open until the service stops."""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from typing import Any

import databases
from databases.core import Connection
from databases.core import Transaction as TaskTransaction
from databases.interfaces import Record
from pydantic import Field
from sqlalchemy.sql import ClauseElement

from . import dialect
from .connect import translated_errors
from .turns import Turns

Query = ClauseElement | str

# The writer's connection, while a transaction of the current task holds it.
_writing: ContextVar[Connection | None] = ContextVar("writing", default=None)


class DatabaseSettings(dialect.ConnectionSettings):
    """How many requests read at once; the README's Settings table explains it."""

    # Read connections, each opened when first needed and kept until the
    # service stops; writers share one more.
    database_pool_size: int = Field(default=dialect.POOL_SIZE, ge=1)


class Database(databases.Database):
    """The app's `databases.Database`, with connections kept open to read and to write.

    Use it as `databases` documents: `await database.fetch_one(query)`, and
    `async with database.transaction():` around work that writes more than once,
    which commits or rolls back whole. SQLite lets one connection write at a
    time: `execute`, `execute_many` and transactions take turns for the writers'
    connection, in arrival order. Reads take turns too, as many at once as the
    pool size, each on a connection of its own, and never wait for the writers;
    in a transaction they read on its connection. The errors of every call are
    the API's (connect.py).

    `databases` does not pool SQLite connections: each one it opens starts a
    thread and sets the file up anew, and closes both when released. Keeping
    them open saves that work on every statement.
    """

    def __init__(self, settings: DatabaseSettings) -> None:
        super().__init__(settings.database_url, **dialect.connect_args(settings))
        self.writers = dialect.WriteQueue(settings.database_pool_timeout)
        self.readers = Turns(
            settings.database_pool_size, settings.database_pool_timeout, name=dialect.POOL_NAME
        )
        self._connecting = asyncio.Lock()
        # Every connection opened, each closed when the service stops.
        self._opened = AsyncExitStack()
        self._writer: Connection | None = None
        self._idle_readers: list[Connection] = []

    async def fetch_all(self, query: Query, values: dict[str, Any] | None = None) -> list[Record]:
        async with self.reader() as connection:
            return await connection.fetch_all(query, values)

    async def fetch_one(self, query: Query, values: dict[str, Any] | None = None) -> Record | None:
        async with self.reader() as connection:
            return await connection.fetch_one(query, values)

    async def fetch_val(
        self, query: Query, values: dict[str, Any] | None = None, column: Any = 0
    ) -> Any:
        async with self.reader() as connection:
            return await connection.fetch_val(query, values, column=column)

    async def iterate(
        self, query: Query, values: dict[str, Any] | None = None
    ) -> AsyncGenerator[Any, None]:
        async with self.reader() as connection:
            async for record in connection.iterate(query, values):
                yield record

    async def execute(self, query: Query, values: dict[str, Any] | None = None) -> Any:
        async with self.writer() as connection:
            return await connection.execute(query, values)

    async def execute_many(self, query: Query, values: list[dict[str, Any]]) -> None:
        async with self.writer() as connection:
            await connection.execute_many(query, values)

    def transaction(self, *, force_rollback: bool = False, **kwargs: Any) -> "Transaction":
        return Transaction(self, force_rollback)

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Connection]:
        """A connection to read on: a reader's, in turn, or in a transaction the writer's."""
        writing = _writing.get()
        with translated_errors():
            if writing is not None:
                yield writing
                return
            async with self.readers.turn():
                reader = self._idle_readers.pop() if self._idle_readers else await self.open()
                try:
                    yield reader
                finally:
                    self._idle_readers.append(reader)

    @asynccontextmanager
    async def writer(self) -> AsyncIterator[Connection]:
        """The writers' connection, for one statement in turn, or in a transaction."""
        writing = _writing.get()
        with translated_errors():
            if writing is not None:
                yield writing
                return
            async with self.writers.turn():
                yield await self.writer_connection()

    async def writer_connection(self) -> Connection:
        if self._writer is None:
            self._writer = await self.open()
        return self._writer

    async def open(self) -> Connection:
        """A new connection, open until the service stops."""
        if not self.is_connected:
            async with self._connecting:
                if not self.is_connected:
                    await self.connect()

        async def opened() -> Connection:
            return await self._opened.enter_async_context(self.connection())

        # `databases` gives each asyncio task one connection: opened in a task of
        # its own, this one is new, never another reader's or the writers'.
        return await asyncio.create_task(opened())

    async def close(self) -> None:
        await self._opened.aclose()
        await self.disconnect()
        self.readers.close()
        self.writers.close()

    async def ping(self) -> None:
        """Return once the database answers a query; DatabaseUnavailable if it cannot."""
        await self.fetch_val("SELECT 1")


class Transaction(TaskTransaction):
    """A transaction on the writers' connection, which takes the write lock as it begins.

    `databases` begins SQLite transactions DEFERRED, and one that read before it
    wrote would fail at once if another process had written in between; this
    one begins with BEGIN IMMEDIATE. It holds the writers' turn until it ends.
    """

    def __init__(self, database: Database, force_rollback: bool) -> None:
        super().__init__(database.connection, force_rollback)
        self._database = database
        self._turn = AsyncExitStack()

    async def start(self) -> "Transaction":
        if _writing.get() is not None:
            raise RuntimeError("SQLite transactions do not nest")
        connection = await self._turn.enter_async_context(self._database.writer())
        try:
            with translated_errors():
                await connection.execute(dialect.BEGIN_WRITE)
        except BaseException:
            await self._turn.aclose()
            raise
        self._token = _writing.set(connection)
        return self

    async def commit(self) -> None:
        await self._end("COMMIT")

    async def rollback(self) -> None:
        await self._end("ROLLBACK")

    async def _end(self, statement: str) -> None:
        _writing.reset(self._token)
        # The writers' turn ends with the transaction, however it ends.
        async with self._turn:
            connection = await self._database.writer_connection()
            try:
                with translated_errors():
                    await connection.execute(statement)
            finally:
                # A COMMIT that failed leaves the transaction open; the next
                # writer must find none.
                if connection.raw_connection.in_transaction:
                    await connection.execute("ROLLBACK")
