"""What is particular to SQLite: its file, its pragmas, its locks and its writers."""

import asyncio
import multiprocessing
import sqlite3
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from httpx import Response
from pydantic import ValidationError
from sqlalchemy import make_url

from {{ cookiecutter.package_name }} import dialect
from {{ cookiecutter.package_name }}.backup import main as backup_main
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .isolation import execute
from .support import serve

ASYNC_URL = "sqlite+aiosqlite:///./data/notes.db"
UNAVAILABLE = {"detail": "Database unavailable"}
TEMPORARY_TABLES = "SELECT count(*) FROM temp.sqlite_master"


@pytest.mark.parametrize("url", ["sqlite:///./data/notes.db", ASYNC_URL])
def test_database_url_selects_the_async_driver(url: str) -> None:
    assert Settings(database_url=url).database_url == ASYNC_URL


def test_synchronous_is_full_or_normal() -> None:
    assert Settings().database_synchronous == "FULL"
    assert Settings(database_synchronous="NORMAL").database_synchronous == "NORMAL"
    with pytest.raises(ValidationError):
        Settings(database_synchronous="OFF")


def assert_unavailable(response: Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == UNAVAILABLE
    assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize(("synchronous", "level"), [("FULL", 2), ("NORMAL", 1)])
async def test_every_connection_of_the_app_is_set_up(
    fresh_database_url: str, synchronous: str, level: int
) -> None:
    settings = Settings(
        database_url=fresh_database_url,
        database_synchronous=synchronous,
        database_pool_timeout=3,
    )
    app = create_app(settings)
    expected = {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": level,
        "busy_timeout": 3000,
    }
    async with serve(app):
        for name, value in expected.items():
            # More units of work at once than the pool has connections.
            answers = await asyncio.gather(
                *(execute(app, f"PRAGMA {name}", writes=False) for _ in range(12))
            )
            assert answers == [value] * 12, name
            # And the writers' connection.
            assert await execute(app, f"PRAGMA {name}", writes=True) == value, name


def test_a_new_file_switches_to_wal_once_its_writer_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection that finds a new file being written (by another replica that
    migrates it, say) waits for the write to end, where SQLite alone fails at once."""
    retried = threading.Event()

    def pause(seconds: float) -> None:
        retried.set()
        time.sleep(seconds)

    monkeypatch.setattr(dialect, "sleep", pause)
    database = tmp_path / "new.db"

    def connect() -> dialect.Connection:
        return dialect.Connection(database, synchronous="FULL", timeout=10, check_same_thread=False)

    with closing(sqlite3.connect(database, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        with ThreadPoolExecutor(1) as thread:
            opening = thread.submit(connect)
            assert retried.wait(timeout=10), opening.exception()
            writer.execute("COMMIT")
            with closing(opening.result()) as connection:
                assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_reads_end_without_a_rollback(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads run outside any transaction: nothing to roll back, so no round trip for it."""
    rollbacks = 0
    rollback = aiosqlite.Connection.rollback

    async def counted(connection: aiosqlite.Connection) -> None:
        nonlocal rollbacks
        rollbacks += 1
        await rollback(connection)

    monkeypatch.setattr(aiosqlite.Connection, "rollback", counted)
    app = create_app(Settings(database_url=fresh_database_url))
    async with serve(app) as client:
        created = await client.post("/notes", json={"text": "Read"})
        assert created.status_code == 201
        rollbacks = 0
        for path in ["/health", "/notes", created.headers["location"]]:
            assert (await client.get(path)).status_code == 200, path
    assert rollbacks == 0


async def test_reads_keep_their_connections(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the pool's readers are open, reads open no connection: each is kept."""
    opened = 0
    set_up = dialect.Connection.__init__

    def counted(connection: dialect.Connection, *args: Any, **kwargs: Any) -> None:
        nonlocal opened
        opened += 1
        set_up(connection, *args, **kwargs)

    monkeypatch.setattr(dialect.Connection, "__init__", counted)
    settings = Settings(database_url=fresh_database_url)
    app = create_app(settings)
    async with serve(app) as client:
        created = await client.post("/notes", json={"text": "Kept"})
        assert created.status_code == 201

        async def read_at_once() -> None:
            # More reads at once than the pool has connections.
            reads = [client.get(created.headers["location"]) for _ in range(8)]
            assert [read.status_code for read in await asyncio.gather(*reads)] == [200] * 8

        await read_at_once()
        warm = opened
        for _ in range(5):
            await read_at_once()
    # The readers and the writers' one.
    assert warm == settings.database_pool_size + 1
    assert opened == warm


async def test_reads_never_run_on_the_writers_connection(fresh_database_url: str) -> None:
    """Reads see only committed work, even in the task that opened the writers' connection."""
    app = create_app(Settings(database_url=fresh_database_url))
    async with serve(app):
        # A temporary table exists only on the connection that made it.
        await execute(app, "CREATE TEMP TABLE made_by_a_writer (id INTEGER)", writes=True)
        for _ in range(3):
            assert await execute(app, TEMPORARY_TABLES, writes=False) == 0
        assert await execute(app, TEMPORARY_TABLES, writes=True) == 1


async def test_writes_wait_for_another_process_then_503_while_reads_go_on(
    fresh_database_url: str,
) -> None:
    app = create_app(Settings(database_url=fresh_database_url, database_pool_timeout=0.2))
    async with serve(app) as client:
        assert (await client.post("/notes", json={"text": "Before"})).status_code == 201
        # Another process holds the write lock.
        locker = sqlite3.connect(str(make_url(fresh_database_url).database), isolation_level=None)
        try:
            locker.execute("BEGIN IMMEDIATE")
            written = await client.post("/notes", json={"text": "Lost"})
            read = await client.get("/notes")
        finally:
            locker.close()
        assert_unavailable(written)
        assert [note["text"] for note in read.json()] == ["Before"]
        assert (await client.post("/notes", json={"text": "After"})).status_code == 201


async def test_a_writer_waiting_past_the_timeout_is_503(fresh_database_url: str) -> None:
    app = create_app(Settings(database_url=fresh_database_url, database_pool_timeout=0.2))
    async with serve(app) as client:
        async with app.state.database.writers.turn():
            waited = await client.post("/notes", json={"text": "Waited"})
            read = await client.get("/notes")
        assert_unavailable(waited)
        # Readers never wait for writers.
        assert read.status_code == 200
        assert (await client.post("/notes", json={"text": "Later"})).status_code == 201


def write_notes(database_url: str, prefix: str, count: int) -> list[int]:
    """In a process of its own: serve the app and create `count` notes at once."""

    async def create_all() -> list[int]:
        async with serve(create_app(Settings(database_url=database_url))) as client:
            responses = await asyncio.gather(
                *(client.post("/notes", json={"text": f"{prefix} {n}"}) for n in range(count))
            )
        return [response.status_code for response in responses]

    return asyncio.run(create_all())


def count_notes(database: Path) -> int:
    with closing(sqlite3.connect(database)) as connection:
        return int(connection.execute("SELECT count(*) FROM notes").fetchone()[0])


async def test_two_processes_write_to_one_file(fresh_database_url: str) -> None:
    """Each process queues its own writers; between them, SQLite's busy timeout."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as processes:
        results = processes.map(write_notes, [fresh_database_url] * 2, ["one", "two"], [100] * 2)
        statuses = [status for result in results for status in result]
    assert statuses == [201] * 200
    assert count_notes(Path(str(make_url(fresh_database_url).database))) == 200


async def test_backup_under_write_load_holds_every_note_committed_before_it(
    fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "copy.db"
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    async with serve(create_app(Settings(database_url=fresh_database_url))) as client:

        async def create(prefix: str, count: int) -> set[int]:
            responses = await asyncio.gather(
                *(client.post("/notes", json={"text": f"{prefix} {n}"}) for n in range(count))
            )
            assert [response.status_code for response in responses] == [201] * count
            return {response.json()["id"] for response in responses}

        committed_before = await create("before", 100)
        # The command, as `make backup to=...` runs it, while 100 more notes are written.
        status, created_during = await asyncio.gather(
            asyncio.to_thread(backup_main, [str(copy)]), create("during", 100)
        )
    assert status == 0

    with closing(sqlite3.connect(copy)) as backed_up:
        assert backed_up.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = {note_id for (note_id,) in backed_up.execute("SELECT id FROM notes")}
    assert committed_before <= ids <= committed_before | created_during
