"""The app's database as routes call it: each call answers as the API does, and gives its
pooled connection back however it ends."""

import asyncio

import pytest

from {{ cookiecutter.package_name }}.db import Database, DatabaseSettings
from {{ cookiecutter.package_name }}.errors import Conflict, DatabaseUnavailable

# A table of the test's own: whether the service has accounts changes what a note needs.
CREATE_WORDS = "CREATE TABLE words (id INTEGER PRIMARY KEY, word VARCHAR(20) UNIQUE)"
INSERT_WORD = "INSERT INTO words (id, word) VALUES (:id, :word)"


async def test_every_call_answers_as_the_api_does_and_gives_its_connection_back(
    fresh_database_url: str,
) -> None:
    # One connection: a call that kept it would make the next one wait, then fail.
    settings = DatabaseSettings.model_validate(
        {"database_url": fresh_database_url, "database_pool_size": 1, "database_pool_timeout": 1}
    )
    database = Database(settings)
    try:
        await database.execute(CREATE_WORDS)
        await database.execute(INSERT_WORD, {"id": 1, "word": "taken"})
        # A refused statement, alone and in a transaction, is the API's 409.
        with pytest.raises(Conflict):
            await database.execute(INSERT_WORD, {"id": 2, "word": "taken"})
        with pytest.raises(Conflict):
            async with database.transaction():
                await database.execute(INSERT_WORD, {"id": 3, "word": "rolled back"})
                await database.execute(INSERT_WORD, {"id": 4, "word": "taken"})
        # Work that fails after its statements rolls them back.
        with pytest.raises(LookupError):
            async with database.transaction():
                await database.execute(INSERT_WORD, {"id": 5, "word": "also rolled back"})
                raise LookupError
        rows = await database.fetch_all("SELECT word FROM words")
        assert [row["word"] for row in rows] == ["taken"]
    finally:
        await database.close()


async def test_a_call_that_finds_the_pool_taken_past_its_timeout_is_unavailable(
    fresh_database_url: str,
) -> None:
    settings = DatabaseSettings.model_validate(
        {"database_url": fresh_database_url, "database_pool_size": 1, "database_pool_timeout": 0.2}
    )
    database = Database(settings)
    taken, done = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with database.transaction():
            taken.set()
            await done.wait()

    holder = asyncio.create_task(hold())
    try:
        await taken.wait()
        with pytest.raises(DatabaseUnavailable):
            await database.fetch_val("SELECT 1")
        done.set()
        await holder
        assert await database.fetch_val("SELECT 1") == 1
    finally:
        done.set()
        await holder
        await database.close()
