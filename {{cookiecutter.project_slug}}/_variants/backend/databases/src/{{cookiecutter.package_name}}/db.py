"""The `databases.Database` connection pool and how database errors map to HTTP."""

import asyncio
{%- if cookiecutter.database == "sqlite" %}
import sqlite3
{%- endif %}
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Annotated

{% if cookiecutter.database == "postgresql" -%}
import asyncpg
{% endif -%}
from databases import Database
from fastapi import Depends, Request

from .settings import Settings

# Errors of the database layer that errors.py answers instead of a 500.
DATABASE_ERRORS: tuple[type[Exception], ...] = (
{%- if cookiecutter.database == "sqlite" %}
    sqlite3.Error,
{%- else %}
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
{%- endif %}
    OSError,
)

# No connection to be had: none free in time (TimeoutError is an OSError), the
# server unreachable, or the connection lost. Always a 503.
{%- if cookiecutter.database == "sqlite" %}
NO_CONNECTION_ERRORS: tuple[type[Exception], ...] = (OSError,)
{%- else %}
NO_CONNECTION_ERRORS: tuple[type[Exception], ...] = (asyncpg.InterfaceError, OSError)
{%- endif %}

# A write broke a constraint, such as a duplicate unique value: 409.
{%- if cookiecutter.database == "sqlite" %}
CONFLICT_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)
{%- else %}
CONFLICT_ERRORS: tuple[type[Exception], ...] = (asyncpg.IntegrityConstraintViolationError,)
{%- endif %}


def driver_error(error: Exception) -> BaseException:
    """The driver's own error: `databases` raises it unwrapped."""
    return error


@dataclass
class Connector:
    """Holds the app's `Database` and connects it on first use if it was down at startup."""

    database: Database
    # Seconds to wait for a free connection before giving up with a TimeoutError.
    timeout: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def connected(self) -> Database:
        if self.database.is_connected:
            return self.database
        async with self.lock:
            if not self.database.is_connected:
                await self.database.connect()
        return self.database

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Database]:
        """The database, with one connection taken for the queries inside.

        Queries of the same task share it; it goes back to the pool on exit.
        """
        database = await self.connected()
        async with AsyncExitStack() as stack:
            async with asyncio.timeout(self.timeout):
                await stack.enter_async_context(database.connection())
            yield database


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Connector]:
    """The app's database; it disconnects on exit."""
{%- if cookiecutter.database == "sqlite" %}
    # databases opens a SQLite connection per request rather than pooling them;
    # `timeout` is how long a connection waits for a lock held by another.
    database = Database(settings.database_url, timeout=settings.database_pool_timeout)
{%- else %}
    database = Database(
        settings.database_url,
        # asyncpg keeps `min_size` connections open and opens up to `max_size`.
        min_size=settings.database_pool_size,
        max_size=settings.database_pool_size + settings.database_pool_max_overflow,
        # Connections idle this long are closed (and reopened when needed).
        max_inactive_connection_lifetime=settings.database_pool_recycle,
        # How long to wait for a new connection to be accepted.
        timeout=settings.database_pool_timeout,
    )
{%- endif %}
    connector = Connector(database, timeout=settings.database_pool_timeout)
    # A database that is down at startup is retried on the next request.
    with suppress(*DATABASE_ERRORS):
        await connector.connected()
    try:
        yield connector
    finally:
        if database.is_connected:
            await database.disconnect()


async def get_db(request: Request) -> Connector:
    connector: Connector = request.app.state.db
    return connector


DbDep = Annotated[Connector, Depends(get_db)]
