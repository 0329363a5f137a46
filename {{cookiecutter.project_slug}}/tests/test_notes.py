"""The notes API.

Each test asserts the fields it is about, so that a field added to notes breaks
none of them; the `test_contract_*` tests alone pin a route's whole answer.
"""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response

from {{ cookiecutter.package_name }}.models import NOTE_TEXT_MAX_LENGTH
from {{ cookiecutter.package_name }}.schemas import MAX_ID, MAX_OFFSET


async def create(client: AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/notes", json=body)
    assert response.status_code == 201, response.text
    note: dict[str, Any] = response.json()
    return note


def ids(notes: list[dict[str, Any]]) -> list[int]:
    return [note["id"] for note in notes]


async def test_contract_post_notes(client: AsyncClient) -> None:
    response = await client.post("/notes", json={"text": "Buy milk"})
    assert response.status_code == 201
    note = response.json()
    assert note == {
        "id": note["id"],
        "text": "Buy milk",
        "completed": False,
        "created_at": note["created_at"],
        "updated_at": note["created_at"],
    }
    assert response.headers["location"] == f"http://test/notes/{note['id']}"


async def test_contract_get_note(client: AsyncClient) -> None:
    note = await create(client, text="Read me", completed=True)
    response = await client.get(f"/notes/{note['id']}")
    assert response.status_code == 200
    assert response.json() == note
    assert set(note) == {"id", "text", "completed", "created_at", "updated_at"}


async def test_contract_get_notes(client: AsyncClient) -> None:
    note = await create(client, text="Listed")
    response = await client.get("/notes")
    assert response.status_code == 200
    assert response.json() == [note]
    assert set(note) == {"id", "text", "completed", "created_at", "updated_at"}


async def test_contract_patch_note(client: AsyncClient) -> None:
    note = await create(client, text="Draft")
    response = await client.patch(f"/notes/{note['id']}", json={"completed": True})
    assert response.status_code == 200
    changed = response.json()
    assert changed == {
        "id": note["id"],
        "text": "Draft",
        "completed": True,
        "created_at": note["created_at"],
        "updated_at": changed["updated_at"],
    }


async def test_contract_delete_note(client: AsyncClient) -> None:
    note = await create(client, text="Short-lived")
    response = await client.delete(f"/notes/{note['id']}")
    assert response.status_code == 204
    assert response.content == b""
    # No body, so no body type either.
    assert "content-type" not in response.headers


async def test_create_returns_the_location_of_the_note(client: AsyncClient) -> None:
    response = await client.post("/notes", json={"text": "Buy milk"})
    fetched = await client.get(response.headers["location"])
    assert fetched.json()["id"] == response.json()["id"]
    assert fetched.json()["text"] == "Buy milk"


async def test_location_keeps_the_root_path_and_drops_the_query(
    app: FastAPI, client: AsyncClient
) -> None:
    # Served under a path prefix by a proxy (uvicorn --root-path /api).
    transport = ASGITransport(app=app, root_path="/api")
    async with AsyncClient(
        transport=transport, base_url=client.base_url, headers=client.headers
    ) as proxied:
        response = await proxied.post("/api/notes?source=import", json={"text": "Proxied"})
        assert response.status_code == 201
        note = response.json()
        assert response.headers["location"] == f"http://test/api/notes/{note['id']}"
        fetched = await proxied.get(response.headers["location"])
        assert fetched.json()["id"] == note["id"]


async def test_timestamps_round_trip_in_utc_with_their_offset(client: AsyncClient) -> None:
    before = datetime.now(UTC)
    note = await create(client, text="Timed")
    created = datetime.fromisoformat(note["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert before <= created <= datetime.now(UTC)
    assert note["updated_at"] == note["created_at"]

    fetched = (await client.get(f"/notes/{note['id']}")).json()
    assert fetched["created_at"] == fetched["updated_at"] == note["created_at"]

    changed = (await client.patch(f"/notes/{note['id']}", json={"completed": True})).json()
    assert changed["created_at"] == note["created_at"]
    updated = datetime.fromisoformat(changed["updated_at"])
    assert updated.utcoffset() == timedelta(0)
    assert updated > created
    fetched = (await client.get(f"/notes/{note['id']}")).json()
    assert fetched["updated_at"] == changed["updated_at"]


async def test_list_filters_by_update_time_and_orders_newest_first(client: AsyncClient) -> None:
    first = await create(client, text="First")
    second = await create(client, text="Second")
    touched = (await client.patch(f"/notes/{first['id']}", json={"completed": True})).json()

    newest_first = await client.get("/notes", params={"order": "-updated_at"})
    assert ids(newest_first.json()) == [first["id"], second["id"]]
    since = await client.get("/notes", params={"updated_since": touched["updated_at"]})
    assert ids(since.json()) == [first["id"]]
    # Written with another offset, the same instant selects the same notes.
    five_hours_east = timezone(timedelta(hours=5))
    elsewhere = datetime.fromisoformat(touched["updated_at"]).astimezone(five_hours_east)
    same = await client.get("/notes", params={"updated_since": elsewhere.isoformat()})
    assert ids(same.json()) == [first["id"]]

    for params in (
        {"updated_since": "2026-01-01T00:00:00"},
        {"updated_since": "0001-01-01T00:00:00+01:00"},
        {"updated_since": "0.5"},
        {"order": "text"},
    ):
        refused = await client.get("/notes", params=params)
        assert refused.status_code == 422, params
        [error] = refused.json()["detail"]
        assert error["loc"] == ["query", *params]


async def test_create_keeps_completed(client: AsyncClient) -> None:
    note = await create(client, text="Done already", completed=True)
    assert note["completed"] is True


async def test_unicode_and_quotes_round_trip(client: AsyncClient) -> None:
    text = "Grüße, 世界 🚀 'quotes' \"double\" ; DROP TABLE notes; -- \\ %_"
    note = await create(client, text=text)
    fetched = await client.get(f"/notes/{note['id']}")
    assert fetched.json()["text"] == text


async def test_text_of_maximum_length_is_accepted(client: AsyncClient) -> None:
    text = "x" * NOTE_TEXT_MAX_LENGTH
    note = await create(client, text=text)
    fetched = await client.get(f"/notes/{note['id']}")
    assert fetched.json()["text"] == text


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": None},
        {"text": ""},
        {"text": "x" * (NOTE_TEXT_MAX_LENGTH + 1)},
        {"text": 42},
        {"text": "nul \x00 inside"},
        {"text": "ok", "completed": "yes"},
        {"text": "ok", "unknown": 1},
        [{"text": "in a list"}],
    ],
    ids=[
        "missing",
        "null",
        "empty",
        "too-long",
        "number",
        "nul",
        "bad-completed",
        "unknown-field",
        "list",
    ],
)
async def test_create_rejects_invalid_body(client: AsyncClient, body: Any) -> None:
    response = await client.post("/notes", json=body)
    assert response.status_code == 422
    assert response.json()["detail"]
    listed = await client.get("/notes")
    assert listed.json() == []


@pytest.mark.parametrize(
    "content",
    [
        b'{"text": ',
        b"\xff\xfe",
        b'{"text": "lone \\ud800 surrogate"}',
        b'{"text": "ok", "completed": 1e400}',
    ],
    ids=["truncated", "not-utf8", "lone-surrogate", "infinite-number"],
)
async def test_malformed_json_is_422(client: AsyncClient, content: bytes) -> None:
    response = await client.post(
        "/notes", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"]


async def test_list_is_ordered_by_id_and_paginated(client: AsyncClient) -> None:
    created = [await create(client, text=f"note {number}") for number in range(5)]
    created_ids = ids(created)
    assert created_ids == sorted(created_ids)

    everything = await client.get("/notes")
    assert ids(everything.json()) == created_ids

    page = await client.get("/notes", params={"limit": 2, "offset": 1})
    assert page.status_code == 200
    assert ids(page.json()) == created_ids[1:3]

    past_the_end = await client.get("/notes", params={"offset": 5})
    assert past_the_end.json() == []


async def test_list_limit_defaults_to_50(client: AsyncClient) -> None:
    for number in range(51):
        await create(client, text=f"note {number}")
    response = await client.get("/notes")
    assert len(response.json()) == 50
    maximum = await client.get("/notes", params={"limit": 100})
    assert len(maximum.json()) == 51


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": -1},
        {"offset": -1},
        {"offset": MAX_OFFSET + 1},
        {"limit": "ten"},
    ],
    ids=["limit-0", "limit-101", "limit-negative", "offset-negative", "offset-huge", "limit-text"],
)
async def test_list_rejects_out_of_range_pagination(
    client: AsyncClient, params: dict[str, Any]
) -> None:
    response = await client.get("/notes", params=params)
    assert response.status_code == 422
    assert response.json()["detail"]


async def test_pagination_at_its_bounds(client: AsyncClient) -> None:
    notes = [await create(client, text=f"Note {number}") for number in range(3)]
    smallest = await client.get("/notes", params={"limit": 1})
    assert ids(smallest.json()) == ids(notes[:1])
    largest = await client.get("/notes", params={"limit": 100})
    assert ids(largest.json()) == ids(notes)
    farthest = await client.get("/notes", params={"offset": MAX_OFFSET})
    assert farthest.status_code == 200
    assert farthest.json() == []


@pytest.mark.parametrize("note_id", ["0", "-1", str(MAX_ID + 1), "99999999999999999999999", "abc"])
async def test_ids_outside_the_column_are_422(client: AsyncClient, note_id: str) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(method, f"/notes/{note_id}", json={"completed": True})
        assert response.status_code == 422, method
        assert response.json()["detail"]


async def test_missing_note_is_404(client: AsyncClient) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(method, f"/notes/{MAX_ID}", json={"completed": True})
        assert response.status_code == 404, method
        assert response.json() == {"detail": "Note not found"}


async def test_partial_update_changes_only_given_fields(client: AsyncClient) -> None:
    note = await create(client, text="Draft")

    def fields(response: Response) -> tuple[str, bool]:
        assert response.status_code == 200, response.text
        return response.json()["text"], response.json()["completed"]

    path = f"/notes/{note['id']}"
    assert fields(await client.patch(path, json={"completed": True})) == ("Draft", True)
    assert fields(await client.patch(path, json={"text": "Final"})) == ("Final", True)
    assert fields(await client.patch(path, json={})) == ("Final", True)
    assert fields(await client.get(path)) == ("Final", True)


@pytest.mark.parametrize(
    "body",
    [
        {"text": None},
        {"completed": None},
        {"text": ""},
        {"text": "x" * (NOTE_TEXT_MAX_LENGTH + 1)},
        {"text": 42},
        {"completed": "yes"},
    ],
    ids=["null-text", "null-completed", "empty-text", "too-long", "number-text", "text-completed"],
)
async def test_update_rejects_invalid_values(client: AsyncClient, body: dict[str, Any]) -> None:
    note = await create(client, text="Keep me")
    response = await client.patch(f"/notes/{note['id']}", json=body)
    assert response.status_code == 422
    # One error, on the field sent, and not about the None that stands for an omitted one.
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", *body]
    assert "None" not in error["msg"]
    fetched = (await client.get(f"/notes/{note['id']}")).json()
    assert (fetched["text"], fetched["completed"]) == ("Keep me", False)


async def test_duplicate_text_is_409_and_changes_nothing(client: AsyncClient) -> None:
    first = await create(client, text="Only once")
    duplicate = await client.post("/notes", json={"text": "Only once", "completed": True})
    assert duplicate.status_code == 409
    # The 409 names the resource and the field that conflicts.
    assert duplicate.json() == {"detail": "Another note has this text"}

    second = await create(client, text="Another")
    renamed = await client.patch(f"/notes/{second['id']}", json={"text": "Only once"})
    assert renamed.status_code == 409
    assert renamed.json() == {"detail": "Another note has this text"}

    listed = (await client.get("/notes")).json()
    assert [(note["id"], note["text"], note["completed"]) for note in listed] == [
        (first["id"], "Only once", False),
        (second["id"], "Another", False),
    ]


async def test_delete_removes_the_note(client: AsyncClient) -> None:
    note = await create(client, text="Short-lived")
    response = await client.delete(f"/notes/{note['id']}")
    assert response.status_code == 204
    assert (await client.get(f"/notes/{note['id']}")).status_code == 404
    assert (await client.delete(f"/notes/{note['id']}")).status_code == 404


async def test_unknown_route_is_json_404(client: AsyncClient) -> None:
    response = await client.get("/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
