"""MySQL and MariaDB through asyncmy: what the service does differently on this database."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from asyncmy.errors import InterfaceError, MySQLError
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings
from sqlalchemy import Connection, text

ASYNC_SCHEME = "mysql+asyncmy"
# Hosting platforms hand out URLs without a driver; they mean the same server.
PLAIN_SCHEMES = ("mysql", "mariadb")
# Every connection talks utf8mb4, the character set that holds all of Unicode
# (MySQL's older "utf8" stops at three bytes, before emoji).
CHARACTER_SET = "utf8mb4"

# Error numbers of a server that cannot serve now.
OUTAGE_ERRORS = frozenset(
    {
        # Unreachable, or the connection was lost: can't connect (2002, 2003),
        # unknown host (2005), server gone away (2006), lost during a query (2013, 2055).
        2002,
        2003,
        2005,
        2006,
        2013,
        2055,
        # Refused login or missing database.
        1044,
        1045,
        1049,
        # Out of connections or memory.
        1040,
        1041,
        1203,
        # Shutting down, or the server ended the connection or the statement:
        # shutdown (1053), killed (1927, MariaDB), idle too long (4031, MySQL),
        # interrupted (1317), past the statement time limit (1969 MariaDB, 3024 MySQL).
        1053,
        1927,
        4031,
        1317,
        1969,
        3024,
        # Read-only, as a primary is while a managed server fails over.
        1290,
        1836,
        # A row lock held by another transaction past innodb_lock_wait_timeout.
        1205,
    }
)
DUPLICATE_ENTRY = 1062
# A row naming a missing one (1452), or a row still named by others (1451); the
# older numbers 1216 and 1217 mean the same.
FOREIGN_KEY_ERRORS = frozenset({1451, 1452, 1216, 1217})

# Units of work that only read run in a transaction, as writes do, not in
# autocommit: MySQL drivers switch a connection to autocommit and back with a
# statement each way, so autocommit would cost a read 7 statements instead of 3
# on MariaDB 10.11, and a connection lost while switching raises the driver's
# error unwrapped, a 500 instead of a 503.
READ_ONLY_EXECUTION_OPTIONS: dict[str, Any] = {}


# Connections a pool keeps open to the server.
POOL_SIZE = 10
# The pool, as metrics name it.
POOL_NAME = "connections"

# The lock migrations of a database take. GET_LOCK's names are the server's,
# so it names the database (hashed: a name may be at most 64 characters).
MIGRATION_LOCK_NAME = "CONCAT('alembic ', MD5(DATABASE()))"
# Seconds a migration waits for another of the same database to finish.
MIGRATION_LOCK_TIMEOUT = 3600


class ConnectionSettings(BaseSettings):
    """Where the server is, and how long to wait for it."""

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
    """Keyword arguments for each new asyncmy connection."""
    return {"charset": CHARACTER_SET, "connect_timeout": settings.database_pool_timeout}


def pool_args(settings: ConnectionSettings) -> dict[str, Any]:
    """Keyword arguments for asyncmy's own pool: each connection's."""
    return connect_args(settings)


def engine_connect_args(settings: ConnectionSettings) -> dict[str, Any]:
    """`connect_args` for SQLAlchemy's engine: the driver's own."""
    return connect_args(settings)


def error_number(error: BaseException) -> int | None:
    """The MySQL error number of a driver's error: the first of its arguments."""
    if isinstance(error, MySQLError) and error.args and isinstance(error.args[0], int):
        return error.args[0]
    return None


def is_outage(error: BaseException) -> bool:
    """Whether the driver's error means the server cannot serve now, not a bug in a query."""
    if isinstance(error, InterfaceError):  # the connection is gone
        return True
    return error_number(error) in OUTAGE_ERRORS


def is_unique_violation(error: BaseException) -> bool:
    """Whether the driver's error is a write that would duplicate a unique value."""
    return error_number(error) == DUPLICATE_ENTRY


def is_foreign_key_violation(error: BaseException) -> bool:
    """Whether the driver's error is a write that a foreign key refused."""
    return error_number(error) in FOREIGN_KEY_ERRORS


def error_code(error: BaseException) -> str | None:
    """The error's MySQL number, such as 1048 for a NOT NULL violation."""
    number = error_number(error)
    return None if number is None else str(number)


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Make other migrations of this database wait until this one is done.

    MySQL commits each DDL statement on its own, so the lock is the session's
    (`GET_LOCK`), held across every migration's transaction. A migration that
    waited then finds nothing left to do.
    """
    taken = connection.execute(
        text(f"SELECT GET_LOCK({MIGRATION_LOCK_NAME}, :timeout)"),
        {"timeout": MIGRATION_LOCK_TIMEOUT},
    ).scalar()
    if taken != 1:
        raise RuntimeError(f"another migration held the lock for {MIGRATION_LOCK_TIMEOUT} s")
    try:
        yield
    finally:
        connection.execute(text(f"SELECT RELEASE_LOCK({MIGRATION_LOCK_NAME})"))
