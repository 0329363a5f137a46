"""Many requests at once against the app's real pool, without the rollback isolation."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from sqlalchemy import text

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .provision import create_test_engine
from .support import serve

CONCURRENT_CREATES = 200


@pytest.fixture
async def pooled_client(fresh_database_url: str) -> AsyncIterator[AsyncClient]:
    # These tests count rows, not time: a wait for a connection as long as a busy test
    # machine may need, so that no unit of work times out into a 503.
    settings = Settings(database_url=fresh_database_url, database_pool_timeout=60)
    async with serve(create_app(settings)) as client:
        yield client


async def committed_rows(database_url: str) -> int:
    """Rows another connection sees: only what has been committed."""
    engine = create_test_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(text("SELECT count(*) FROM notes")) or 0)
    finally:
        await engine.dispose()


async def test_concurrent_creates_each_make_one_row(
    pooled_client: AsyncClient, fresh_database_url: str
) -> None:
    texts = [f"Note {number}" for number in range(CONCURRENT_CREATES)]
    responses = await asyncio.gather(
        *(pooled_client.post("/notes", json={"text": text}) for text in texts)
    )
    assert [response.status_code for response in responses] == [201] * CONCURRENT_CREATES
    created = {response.json()["id"]: response.json()["text"] for response in responses}
    assert len(created) == CONCURRENT_CREATES
    # Every 201 was sent after its commit.
    assert await committed_rows(fresh_database_url) == CONCURRENT_CREATES

    listed: dict[int, str] = {}
    for offset in range(0, CONCURRENT_CREATES + 100, 100):
        page = await pooled_client.get("/notes", params={"limit": 100, "offset": offset})
        listed.update((note["id"], note["text"]) for note in page.json())
    assert listed == created


async def test_concurrent_duplicates_create_one_note(pooled_client: AsyncClient) -> None:
    responses = await asyncio.gather(
        *(pooled_client.post("/notes", json={"text": "Same"}) for _ in range(20))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 19
    listed = await pooled_client.get("/notes")
    assert [note["text"] for note in listed.json()] == ["Same"]


async def test_concurrent_updates_leave_one_of_the_written_values(
    pooled_client: AsyncClient,
) -> None:
    note = (await pooled_client.post("/notes", json={"text": "Start"})).json()
    texts = [f"Version {number}" for number in range(20)]
    responses = await asyncio.gather(
        *(pooled_client.patch(f"/notes/{note['id']}", json={"text": text}) for text in texts)
    )
    assert [response.status_code for response in responses] == [200] * len(texts)
    assert [response.json()["text"] for response in responses] == texts
    final = (await pooled_client.get(f"/notes/{note['id']}")).json()
    assert final["text"] in texts
    assert final["completed"] is False


async def test_concurrent_updates_and_deletes_of_one_note(pooled_client: AsyncClient) -> None:
    note = (await pooled_client.post("/notes", json={"text": "Contested"})).json()
    path = f"/notes/{note['id']}"
    requests = []
    for number in range(20):
        requests.append(pooled_client.patch(path, json={"completed": number % 2 == 0}))
        if number % 4 == 0:
            requests.append(pooled_client.delete(path))
    responses = await asyncio.gather(*requests)

    updates = [r.status_code for r in responses if r.request.method == "PATCH"]
    deletes = [r.status_code for r in responses if r.request.method == "DELETE"]
    assert set(updates) <= {200, 404}
    assert sorted(deletes) == [204] + [404] * (len(deletes) - 1)
    for response in responses:
        if response.status_code == 200:
            assert response.json()["text"] == "Contested"
    assert (await pooled_client.get(path)).status_code == 404
    assert (await pooled_client.get("/notes")).json() == []
