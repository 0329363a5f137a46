"""The writers' one connection: every unit of work that writes ends its own transaction,
so that the connection goes back to the pool outside any, whatever stopped the work.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import event, text
from sqlalchemy.pool import Pool

from {{ cookiecutter.package_name }}.db import Database, DatabaseSettings
from {{ cookiecutter.package_name }}.errors import UnexpectedDatabaseError
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .support import serve

# Tables of the tests' own: rows a write adds, and a foreign key checked at COMMIT.
TABLES = (
    "CREATE TABLE writes (text TEXT NOT NULL)",
    "CREATE TABLE parents (id INTEGER PRIMARY KEY)",
    "CREATE TABLE children (parent_id INTEGER"
    " REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)",
)
LOST = text("INSERT INTO writes VALUES ('Lost')")


class Failed(Exception):
    pass


@asynccontextmanager
async def watched(database_url: str) -> AsyncIterator[tuple[Database, set[bool]]]:
    """A database, and whether each connection was in a transaction as a unit of work
    handed it back (before any reset of the pool's own) and as the next one took it."""
    database = Database(DatabaseSettings(database_url=database_url))
    in_transaction: set[bool] = set()

    def seen(dbapi_connection: Any, *args: Any) -> None:
        # The driver's connection is aiosqlite's, which reads sqlite3's own flag.
        in_transaction.add(dbapi_connection.driver_connection.in_transaction)

    async with database.unit_of_work(writes=True) as session:
        for table in TABLES:
            await session.execute(text(table))
    event.listen(Pool, "reset", seen)
    event.listen(Pool, "checkout", seen)
    try:
        yield database, in_transaction
    finally:
        event.remove(Pool, "reset", seen)
        event.remove(Pool, "checkout", seen)
        await database.close()


async def raises_after_its_statement(database: Database) -> None:
    with pytest.raises(Failed):
        async with database.unit_of_work(writes=True) as session:
            await session.execute(LOST)
            raise Failed


async def cancelled_while_writing(database: Database) -> None:
    written = asyncio.Event()

    async def write() -> None:
        async with database.unit_of_work(writes=True) as session:
            await session.execute(LOST)
            written.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(write())
    await written.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def timed_out_while_writing(database: Database) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1), database.unit_of_work(writes=True) as session:
            await session.execute(LOST)
            await asyncio.sleep(10)


async def refused_at_commit(database: Database) -> None:
    """SQLite checks a deferred foreign key at COMMIT, and keeps the transaction open
    when it refuses one."""
    with pytest.raises(UnexpectedDatabaseError):
        async with database.unit_of_work(writes=True) as session:
            await session.execute(LOST)
            await session.execute(text("INSERT INTO children VALUES (1)"))


@pytest.mark.parametrize(
    "fail",
    [
        raises_after_its_statement,
        cancelled_while_writing,
        timed_out_while_writing,
        refused_at_commit,
    ],
)
async def test_a_failed_write_leaves_the_connection_outside_any_transaction(
    fresh_database_url: str, fail: Callable[[Database], Awaitable[None]]
) -> None:
    async with watched(fresh_database_url) as (database, in_transaction):
        await fail(database)
        async with database.unit_of_work(writes=True) as session:
            await session.execute(text("INSERT INTO writes VALUES ('Next')"))
        async with database.unit_of_work(writes=False) as session:
            texts = (await session.scalars(text("SELECT text FROM writes"))).all()
    assert in_transaction == {False}
    assert texts == ["Next"]


async def test_writes_end_without_a_rollback(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write commits or rolls back itself: the pool sends no rollback after it."""
    rollbacks = 0
    rollback = aiosqlite.Connection.rollback

    async def counted(connection: aiosqlite.Connection) -> None:
        nonlocal rollbacks
        rollbacks += 1
        await rollback(connection)

    monkeypatch.setattr(aiosqlite.Connection, "rollback", counted)
    app = create_app(Settings(database_url=fresh_database_url))
    async with serve(app) as client:
        assert (await client.post("/notes", json={"text": "Warm"})).status_code == 201
        rollbacks = 0
        created = await client.post("/notes", json={"text": "Written"})
        assert created.status_code == 201
        location = created.headers["location"]
        assert (await client.patch(location, json={"completed": True})).status_code == 200
        assert (await client.delete(location)).status_code == 204
    assert rollbacks == 0
