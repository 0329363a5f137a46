"""PostgreSQL through asyncpg: what the service does differently on this database."""

from typing import Any

import asyncpg
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class ConnectionSettings(BaseSettings):
    """Where the server is, and how long to wait for it."""

    # Alone, as migrations read them, these come from the environment and `.env` too.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Required: there is no sensible default server. repr=False keeps the
    # password out of logs that print the settings.
    database_url: str = Field(repr=False)
    # Seconds to wait for a connection, new or pooled, before answering 503.
    database_pool_timeout: float = Field(default=10.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def use_async_driver(cls, url: str) -> str:
        scheme, separator, rest = url.partition("://")
        if separator and scheme in PLAIN_SCHEMES:
            return f"{ASYNC_SCHEME}://{rest}"
        return url


def connect_args(settings: ConnectionSettings) -> dict[str, Any]:
    """Keyword arguments for each new asyncpg connection."""
    return {"timeout": settings.database_pool_timeout}


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
