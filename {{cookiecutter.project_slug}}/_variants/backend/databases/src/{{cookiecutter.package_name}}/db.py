"""The `databases.Database` connection pool and the errors that mean the database is down."""

import asyncio
{%- if cookiecutter.database == "sqlite" %}
import sqlite3
{%- endif %}
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Annotated

{% if cookiecutter.database == "postgresql" -%}
import asyncpg
{% endif -%}
from databases import Database
from fastapi import Depends, Request

from .settings import Settings

# Raised when the database cannot be reached or does not answer in time.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
{%- if cookiecutter.database == "sqlite" %}
    sqlite3.OperationalError,
{%- else %}
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
{%- endif %}
    OSError,
)


@dataclass
class Connector:
    """Holds the app's `Database` and connects it on first use if it was down at startup."""

    database: Database
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def connected(self) -> Database:
        if self.database.is_connected:
            return self.database
        async with self.lock:
            if not self.database.is_connected:
                await self.database.connect()
        return self.database


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Connector]:
    """The app's database; it disconnects on exit."""
    connector = Connector(Database(settings.database_url))
    # A database that is down at startup is retried on the next request.
    with suppress(*UNAVAILABLE_ERRORS):
        await connector.connected()
    try:
        yield connector
    finally:
        if connector.database.is_connected:
            await connector.database.disconnect()


async def get_db(request: Request) -> Database:
    connector: Connector = request.app.state.db
    return await connector.connected()


DbDep = Annotated[Database, Depends(get_db)]
