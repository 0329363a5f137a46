import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from {{ cookiecutter.package_name }} import dialect
from {{ cookiecutter.package_name }}.settings import Settings


@contextmanager
def provision_database(name: str) -> Iterator[str]:
    """A new, empty SQLite file, deleted afterwards."""
    with TemporaryDirectory(prefix=f"{name}-") as directory:
        yield f"sqlite+aiosqlite:///{Path(directory) / 'test.db'}"


def create_test_engine(database_url: str) -> AsyncEngine:
    """An engine whose connections are set up as the app's are.

    sqlite3 leaves beginning transactions to its user (see dialect.py), so this
    engine emits BEGIN itself, as SQLAlchemy's SQLite documentation shows.
    """
    settings = Settings(database_url=database_url)
    engine = create_async_engine(database_url, connect_args=dialect.engine_connect_args(settings))

    @event.listens_for(engine.sync_engine, "begin")
    def begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def unreachable_database() -> Iterator[str]:
    """A database file that cannot be opened: its folder does not exist."""
    with TemporaryDirectory() as directory:
        missing = Path(directory)
    yield f"sqlite+aiosqlite:///{missing / 'test.db'}"
    # aiosqlite stops the worker thread of a failed connection without waiting
    # for it; wait here, while the test's event loop can still take its reply.
    for thread in threading.enumerate():
        if thread.name.endswith("(_connection_worker_thread)"):
            thread.join(timeout=10)
