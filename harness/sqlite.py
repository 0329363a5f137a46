"""SQLite for the SQLite variants: a file per database, and the same functions as
postgres.py and mysql.py, with a folder where they take a server."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

SERVER: str | None = None
POOLER: str | None = None
# The service reads through a pool of readers and writes through one writer.
POOL_NAMES = frozenset({"readers", "writers"})
# A file needs no pointing: the service's default URL names one in the project.
README_SECTION: str | None = None


def readme_environment(server_url: str, name: str) -> dict[str, str]:
    return {}


# SQLite shows no waiters: the time given to writers to reach a lock.
LOCK_REACH_SECONDS = 3


def path_of(database_url: str) -> Path:
    return Path(database_url.split(":///", 1)[1])


def create_database(folder: str, name: str) -> str:
    """The URL of `name`'s file in the folder; the file appears with the first connection,
    the migration's."""
    return f"sqlite+aiosqlite:///{Path(folder) / f'{name}.db'}"


def drop_database(folder: str, name: str) -> None:
    (Path(folder) / f"{name}.db").unlink(missing_ok=True)


def query(database_url: str, sql: str) -> str:
    """Run one statement and commit, as the other databases' clients do."""
    with closing(sqlite3.connect(path_of(database_url))) as connection:
        rows = connection.execute(sql).fetchall()
        connection.commit()
    return "\n".join("|".join(map(str, row)) for row in rows)


def count_notes(database_url: str) -> int:
    return int(query(database_url, "SELECT count(*) FROM notes"))


@contextmanager
def notes_locked(database_url: str) -> Iterator[Callable[[int], None]]:
    """Hold the database's write lock (BEGIN EXCLUSIVE); yield a wait for the writers."""
    locker = sqlite3.connect(path_of(database_url), isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")

    def wait_for_waiters(count: int) -> None:
        time.sleep(LOCK_REACH_SECONDS)

    try:
        yield wait_for_waiters
    finally:
        locker.close()
