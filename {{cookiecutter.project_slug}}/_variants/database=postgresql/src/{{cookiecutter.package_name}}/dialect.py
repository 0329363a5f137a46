"""PostgreSQL through asyncpg: what the service does differently on this database."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, text

ASYNC_SCHEME = "postgresql+asyncpg"
# Hosting platforms hand out URLs without a driver; they mean the same server.
PLAIN_SCHEMES = ("postgres", "postgresql")

# SQLSTATE classes of a server that cannot serve now: connection exception,
# refused login, missing database, out of resources, shutting down or starting up.
OUTAGE_CLASSES = frozenset({"08", "28", "3D", "53", "57"})
UNIQUE_VIOLATION = "23505"
# Either way: a row naming a missing one, or a row still named by others.
FOREIGN_KEY_VIOLATION = "23503"

# Units of work that only read run in autocommit: a transaction around them would
# cost two more round trips, BEGIN and COMMIT.
READ_ONLY_EXECUTION_OPTIONS: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}


# Connections a pool keeps open to the server.
POOL_SIZE = 10
# The pool, as metrics name it.
POOL_NAME = "connections"

# The advisory lock migrations of a database take; any number, the same in
# every process. Advisory locks belong to one database of the server.
MIGRATION_LOCK_KEY = 0x6D696772


class ConnectionSettings(BaseSettings):
    """Where the server is, and how long to wait for it."""

    # Alone, as migrations read them, these come from the environment and `.env` too.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Required: there is no sensible default server. repr=False keeps the
    # password out of logs that print the settings.
    database_url: str = Field(repr=False)
    # Seconds to wait for a connection, new or pooled, before answering 503.
    database_pool_timeout: float = Field(default=10.0, gt=0)
    # DATABASE_URL names PgBouncer in transaction pooling mode (see connect_args).
    database_pgbouncer: bool = False

    @field_validator("database_url")
    @classmethod
    def use_async_driver(cls, url: str) -> str:
        scheme, separator, rest = url.partition("://")
        if separator and scheme in PLAIN_SCHEMES:
            return f"{ASYNC_SCHEME}://{rest}"
        return url


def connect_args(settings: ConnectionSettings) -> dict[str, Any]:
    """Keyword arguments for each new asyncpg connection."""
    args: dict[str, Any] = {"timeout": settings.database_pool_timeout}
    if settings.database_pgbouncer:
        # PgBouncer in transaction mode runs each transaction, and each statement
        # outside one, on whichever server connection is free: a statement
        # prepared on one is missing on the next, and its name may be taken
        # there. With its cache off, asyncpg parses an unnamed statement again
        # in the same round trip that runs it, which needs nothing of a session.
        args["statement_cache_size"] = 0
    return args


def pool_args(settings: ConnectionSettings) -> dict[str, Any]:
    """Keyword arguments for asyncpg's own pool: each connection's, and how one goes back.

    The service keeps no state in a connection's session (no SET, LISTEN,
    cursors or session advisory locks), so a connection that goes back needs
    only its open transaction rolled back, which asyncpg always does, and not
    the RESET ALL and more it would send by default: a round trip per use.
    """
    return {**connect_args(settings), "reset": keep_session}


async def keep_session(connection: asyncpg.Connection) -> None:
    """Nothing to reset in the session of a connection going back to the pool."""


def engine_connect_args(settings: ConnectionSettings) -> dict[str, Any]:
    """`connect_args` for SQLAlchemy's asyncpg dialect, which prepares every statement.

    Behind PgBouncer its statements are unnamed too. The unique names SQLAlchemy's
    documentation suggests would not collide, but each would stay prepared on a
    server connection PgBouncer never resets in transaction mode, and would be
    missing when a statement outside a transaction ran on another one.
    """
    args = connect_args(settings)
    if settings.database_pgbouncer:
        args["prepared_statement_name_func"] = unnamed
    return args


def unnamed() -> str:
    """The name SQLAlchemy gives each statement it prepares: none."""
    return ""


def is_outage(error: BaseException) -> bool:
    """Whether the driver's error means the server cannot serve now, not a bug in a query."""
    if isinstance(error, asyncpg.InterfaceError):  # the connection is gone
        return True
    sqlstate = getattr(error, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate[:2] in OUTAGE_CLASSES


def is_unique_violation(error: BaseException) -> bool:
    """Whether the driver's error is a write that would duplicate a unique value."""
    return getattr(error, "sqlstate", None) == UNIQUE_VIOLATION


def is_foreign_key_violation(error: BaseException) -> bool:
    """Whether the driver's error is a write that a foreign key refused."""
    return getattr(error, "sqlstate", None) == FOREIGN_KEY_VIOLATION


def error_code(error: BaseException) -> str | None:
    """The error's SQLSTATE, such as 23502 for a NOT NULL violation."""
    sqlstate = getattr(error, "sqlstate", None)
    return sqlstate if isinstance(sqlstate, str) else None


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Make other migrations of this database wait until this one's transaction ends.

    Migrations on PostgreSQL run in one transaction, and the lock is taken in it
    and released by its end: through PgBouncer in transaction mode that holds,
    where a session's lock could be taken on one server connection and released
    on another. A migration that waited then finds nothing left to do.
    """
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    yield
