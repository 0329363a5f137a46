"""The `databases.Database`, and one connection per request: the request's unit of work."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, suppress
from functools import wraps
from typing import Annotated, Any

from databases import Database as Databases
from databases.core import Connection
from fastapi import Depends, Request
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind
from pydantic import Field

from . import dialect
from .errors import Conflict, DatabaseUnavailable, UnexpectedDatabaseError
from .turns import Turns

# Requests with these methods only read; a request with any other may write.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Connection methods that send a statement, traced while tracing is on.
STATEMENT_CALLS = ("execute", "execute_many", "fetch_all", "fetch_one", "fetch_val")


@contextmanager
def translated_errors() -> Iterator[None]:
    """Errors of database calls as the API answers them: 503 or 409.

    `databases` raises the driver's own errors. Repositories answer their
    constraints' refusals first (constraints.py). Any other database error is a
    bug, and stays a 500, without the driver's text.
    """
    try:
        yield
    except Exception as error:
        if dialect.is_outage(error):
            raise DatabaseUnavailable from error
        if dialect.is_unique_violation(error):
            raise Conflict from error
        code = dialect.error_code(error)
        if code is None:  # not the database's
            raise
        unexpected = UnexpectedDatabaseError(f"{type(error).__name__} ({code})")
        raise unexpected.with_traceback(error.__traceback__) from None
{%- if cookiecutter.database == "sqlite" %}


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
{%- else %}


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
{%- endif %}

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


@contextmanager
def statements_traced(database: Database, provider: TracerProvider) -> Iterator[None]:
    """A client span per statement sent on any connection while the block runs.

    `databases` has no OpenTelemetry instrumentation, so the service wraps the
    connection's calls itself, as instrumentations wrap a driver's.
    """
    tracer = provider.get_tracer(__name__)
    # OpenTelemetry's name for the database: the URL's scheme without the driver.
    system = database.database.url.dialect
    calls = {name: getattr(Connection, name) for name in STATEMENT_CALLS}

    def traced(call: Any) -> Any:
        @wraps(call)
        async def send(connection: Connection, query: Any, *args: Any, **kwargs: Any) -> Any:
            # A Core statement's text has placeholders where its values go.
            statement = str(query)
            operation = statement.split(None, 1)[0].upper() if statement else ""
            attributes = {"db.system": system, "db.statement": statement}
            with tracer.start_as_current_span(
                f"{operation} {system}".strip(), kind=SpanKind.CLIENT, attributes=attributes
            ):
                return await call(connection, query, *args, **kwargs)

        return send

    for name, call in calls.items():
        setattr(Connection, name, traced(call))
    try:
        yield
    finally:
        for name, call in calls.items():
            setattr(Connection, name, call)


@asynccontextmanager
async def open_database(settings: DatabaseSettings) -> AsyncIterator[Database]:
    """The app's database; it disconnects on exit."""
    database = Database(settings)
    # A database that is down at startup is connected on the first request instead.
    with suppress(DatabaseUnavailable):
        await database.ping()
    try:
        yield database
    finally:
        await database.close()


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_connection(database: DatabaseDep, request: Request) -> AsyncIterator[Connection]:
    async with database.unit_of_work(writes=request.method not in READ_ONLY_METHODS) as connection:
        yield connection


# The connection goes back before the response is sent (scope="function"). It is
# held, with the locks its writes take, for the whole route: a route that does slow
# work that is not the database's, such as an outgoing HTTP call, takes DatabaseDep
# instead and opens short units of work (`database.unit_of_work(writes=...)`) around
# that work.
ConnectionDep = Annotated[Connection, Depends(get_connection, scope="function")]
