"""What is particular to SQLite: its file, its pragmas, its locks and its writers."""

import asyncio
import sqlite3

import pytest
from httpx import Response
from pydantic import ValidationError
from sqlalchemy import make_url

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .isolation import execute
from .support import serve

ASYNC_URL = "sqlite+aiosqlite:///./data/notes.db"
UNAVAILABLE = {"detail": "Database unavailable"}


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
        async with app.state.database.writers.turn(writes=True):
            waited = await client.post("/notes", json={"text": "Waited"})
            read = await client.get("/notes")
        assert_unavailable(waited)
        # Readers never wait for writers.
        assert read.status_code == 200
        assert (await client.post("/notes", json={"text": "Later"})).status_code == 201
