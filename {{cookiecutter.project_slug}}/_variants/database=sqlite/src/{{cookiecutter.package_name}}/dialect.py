"""SQLite through aiosqlite: what the service does differently on this database.

SQLite keeps the database in one file and lets one connection write at a time.
Every connection the service opens works in WAL mode, so readers never wait for
the writer; enforces foreign keys; and waits for a lock held by another process
up to the pool timeout. Writers of this process queue for the write lock in the
order they arrive (`WriteQueue`), and their transactions take it when they begin.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from os import PathLike
from time import monotonic, sleep
from typing import Any, Literal

import sqlalchemy
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .turns import Turns

ASYNC_SCHEME = "sqlite+aiosqlite"
PLAIN_SCHEMES = ("sqlite",)

# Result codes of a database that is busy, locked, read-only, full or cannot be opened.
OUTAGE_CODES = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_PERM,
    }
)

# How a transaction that writes begins: it takes the write lock at once, so that
# it cannot fail later when it turns from reading to writing.
BEGIN_WRITE = "BEGIN IMMEDIATE"

Synchronous = Literal["FULL", "NORMAL"]


# Read connections a pool keeps. SQLite reads run in the service's own threads,
# not on a server: more of them at once only crowd the event loop, which the
# writer needs too for its turn to end.
POOL_SIZE = 2
# The pool of read connections, as metrics name it; writers have a line of their own.
POOL_NAME = "readers"


class ConnectionSettings(BaseSettings):
    """Where the database file is, how long to wait for it, and how durable a write is."""

    # Alone, as migrations read them, these come from the environment and `.env` too.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # A file relative to the directory the service starts in.
    database_url: str = f"{ASYNC_SCHEME}:///./{{ cookiecutter.package_name }}.db"
    # Seconds to wait for the write lock, or a pooled connection, before answering 503.
    database_pool_timeout: float = Field(default=10.0, gt=0)
    # FULL: a write is on disk before its request is answered. NORMAL: faster
    # commits, but the last ones may be lost (never corrupted) on a power cut.
    database_synchronous: Synchronous = "FULL"

    @field_validator("database_url")
    @classmethod
    def use_async_driver(cls, url: str) -> str:
        scheme, separator, rest = url.partition("://")
        if separator and scheme in PLAIN_SCHEMES:
            return f"{ASYNC_SCHEME}://{rest}"
        return url


# Seconds between tries to switch a new file to WAL mode while another connection
# writes to it (see Connection.use_wal).
SWITCH_RETRY_INTERVAL = 0.001


class Connection(sqlite3.Connection):
    """A sqlite3 connection set up the way the service needs it.

    sqlite3 calls this for every connection it opens, in the thread that serves
    the connection, so the settings cost no extra round trip. sqlite3 begins no
    transaction of its own (`isolation_level = None`), where it would otherwise
    begin a DEFERRED one before each write: the service begins those that write
    with BEGIN_WRITE, and reads need none.
    """

    def __init__(
        self,
        database: str | PathLike[str],
        *,
        synchronous: Synchronous,
        timeout: float = 5.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(database, timeout=timeout, **kwargs)
        self.isolation_level = None
        self.use_wal(deadline=monotonic() + timeout)
        self.execute(f"PRAGMA synchronous = {synchronous}")
        self.execute("PRAGMA foreign_keys = ON")

    def use_wal(self, deadline: float) -> None:
        """Switch the file to WAL mode, which the file keeps: a no-op once switched.

        Until then, another connection writing to the file (another process that
        migrates a new database, say) makes the switch fail at once: SQLite does
        not wait in the busy handler there, to avoid a deadlock. The failed switch
        holds no lock, so it is tried again until the connection's timeout.
        """
        while True:
            try:
                self.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or monotonic() > deadline:
                    raise
            sleep(SWITCH_RETRY_INTERVAL)


def connect_args(settings: ConnectionSettings) -> dict[str, Any]:
    """Keyword arguments for each new sqlite3 connection."""
    return {
        "factory": partial(Connection, synchronous=settings.database_synchronous),
        # How long to wait for a lock that another connection holds.
        "timeout": settings.database_pool_timeout,
    }


def engine_connect_args(settings: ConnectionSettings) -> dict[str, Any]:
    """`connect_args` for SQLAlchemy's engine: the driver's own."""
    return connect_args(settings)


class WriteQueue(Turns):
    """Units of work that write take the write lock one at a time, in arrival order.

    Without the queue they would all wait in SQLite's busy handler, which retries
    at intervals rather than in turn, so that the slowest write could wait many
    times longer than the writes ahead of it.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__(1, timeout, name="writers")


@contextmanager
def migration_lock(connection: sqlalchemy.Connection) -> Iterator[None]:
    """Make other migrations of this file wait until this one commits.

    Migrations run in one transaction, begun here with the write lock, so a
    migration that waited (up to the busy timeout) finds nothing left to do.
    """
    connection.exec_driver_sql(BEGIN_WRITE)
    yield


def is_outage(error: BaseException) -> bool:
    """Whether the driver's error means the database cannot serve now, not a bug in a query."""
    code = getattr(error, "sqlite_errorcode", None)
    # Extended codes carry the primary code in their low byte.
    return isinstance(code, int) and code & 0xFF in OUTAGE_CODES


def is_unique_violation(error: BaseException) -> bool:
    """Whether the driver's error is a write that would duplicate a unique value."""
    code = getattr(error, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)


def is_foreign_key_violation(error: BaseException) -> bool:
    """Whether the driver's error is a write that a foreign key refused.

    SQLite does not say which way: a row naming a missing one, or a row still
    named by others.
    """
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY


def error_code(error: BaseException) -> str | None:
    """The driver's name for the error, such as SQLITE_CONSTRAINT_NOTNULL."""
    name = getattr(error, "sqlite_errorname", None)
    return name if isinstance(name, str) else None
