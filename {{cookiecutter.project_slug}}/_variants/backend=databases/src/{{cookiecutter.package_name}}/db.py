"""The app's `databases.Database`, which routes and repositories query directly.

The errors of its calls are translated in connect.py; how its connections are
shared, which differs for a file and for a server, is in pool.py.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from functools import wraps
from typing import Annotated, Any

from databases.core import Connection
from fastapi import Depends, Request
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind

from .errors import DatabaseUnavailable
from .pool import Database, DatabaseSettings

__all__ = ["Database", "DatabaseDep", "DatabaseSettings", "open_database", "statements_traced"]

# Connection methods that send a statement, traced while tracing is on.
STATEMENT_CALLS = ("execute", "execute_many", "fetch_all", "fetch_one", "fetch_val")


@contextmanager
def statements_traced(database: Database, provider: TracerProvider) -> Iterator[None]:
    """A client span per statement sent on any connection while the block runs.

    `databases` has no OpenTelemetry instrumentation, so the service wraps the
    connection's calls itself, as instrumentations wrap a driver's.
    """
    tracer = provider.get_tracer(__name__)
    # OpenTelemetry's name for the database: the URL's scheme without the driver.
    system = database.url.dialect
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
