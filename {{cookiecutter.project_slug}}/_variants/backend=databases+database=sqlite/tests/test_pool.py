"""The app's database as routes call it on SQLite: each call answers as the API does, and
a transaction gives the writers' connection back clean however it ends."""

from collections.abc import AsyncIterator

import pytest

from {{ cookiecutter.package_name }}.db import Database, DatabaseSettings
from {{ cookiecutter.package_name }}.errors import Conflict, UnexpectedDatabaseError

# Tables of the test's own: whether the service has accounts changes what a note needs.
# A tag's reference is checked when its transaction commits.
CREATE_TABLES = (
    "CREATE TABLE words (id INTEGER PRIMARY KEY, word TEXT UNIQUE)",
    "CREATE TABLE tags (id INTEGER PRIMARY KEY, word_id INTEGER NOT NULL"
    " REFERENCES words (id) DEFERRABLE INITIALLY DEFERRED)",
)
INSERT_WORD = "INSERT INTO words (id, word) VALUES (:id, :word)"


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    settings = DatabaseSettings.model_validate(
        {"database_url": fresh_database_url, "database_pool_timeout": 1}
    )
    database = Database(settings)
    for statement in CREATE_TABLES:
        await database.execute(statement)
    yield database
    await database.close()


async def test_every_call_answers_as_the_api_does_and_a_transaction_ends_whole(
    database: Database,
) -> None:
    await database.execute(INSERT_WORD, {"id": 1, "word": "taken"})
    with pytest.raises(Conflict):
        await database.execute(INSERT_WORD, {"id": 2, "word": "taken"})
    with pytest.raises(Conflict):
        async with database.transaction():
            await database.execute(INSERT_WORD, {"id": 3, "word": "rolled back"})
            # Reads in a transaction see its writes: they run on its connection.
            assert await database.fetch_val("SELECT count(*) FROM words") == 2
            await database.execute(INSERT_WORD, {"id": 4, "word": "taken"})
    assert await database.fetch_val("SELECT count(*) FROM words") == 1


async def test_a_refused_commit_leaves_no_transaction_for_the_next_writer(
    database: Database,
) -> None:
    with pytest.raises(UnexpectedDatabaseError):
        async with database.transaction():
            await database.execute("INSERT INTO tags (id, word_id) VALUES (1, 404)")
    writer = await database.writer_connection()
    assert not writer.raw_connection.in_transaction
    async with database.transaction():
        await database.execute(INSERT_WORD, {"id": 1, "word": "after"})
    assert await database.fetch_val("SELECT count(*) FROM tags") == 0
    assert await database.fetch_val("SELECT word FROM words") == "after"
