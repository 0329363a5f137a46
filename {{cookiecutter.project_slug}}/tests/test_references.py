"""A reference between resources, as a client meets it: a missing row is a 422, a
referenced one cannot be deleted (409).

Notes are referenced by nothing of the service's own, so these tests add a table
that references them, and a route that writes to it the way a repository would.
"""

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, status
from httpx import AsyncClient
from pydantic import BaseModel

from {{ cookiecutter.package_name }}.constraints import Constraints
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .isolation import execute
from .support import serve

ATTACHMENT_CONSTRAINTS = Constraints("attachment", reference=("note_id", "note"))
# As the notes' repository would declare them if attachments were the service's own.
ATTACHED_NOTE_CONSTRAINTS = Constraints("note", referenced_by="attachments")


class AttachmentCreate(BaseModel):
    id: int
    note_id: int


@pytest.fixture
async def client(fresh_database_url: str) -> AsyncIterator[AsyncClient]:
    """A client of an app whose database has attachments, each naming a note."""
    app = create_app(Settings(database_url=fresh_database_url))
    async with serve(app) as client:
        add_attachments(app)
        await execute(
            app,
            "CREATE TABLE attachments (id INTEGER PRIMARY KEY, note_id INTEGER NOT NULL,"
            " FOREIGN KEY (note_id) REFERENCES notes (id))",
        )
        yield client


def add_attachments(app: FastAPI) -> None:
    """Routes that write as a repository does: constraints checked at the statement."""

    @app.post("/attachments", status_code=status.HTTP_201_CREATED)
    async def attach(attachment: AttachmentCreate) -> None:
        insert = "INSERT INTO attachments (id, note_id) VALUES (:id, :note_id)"
        with ATTACHMENT_CONSTRAINTS.writing():
            await execute(app, insert, values=attachment.model_dump())

    @app.delete("/attached-notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_attached_note(note_id: int) -> None:
        with ATTACHED_NOTE_CONSTRAINTS.deleting():
            await execute(app, "DELETE FROM notes WHERE id = :id", values={"id": note_id})


async def test_a_write_naming_a_missing_row_is_422_on_its_field(client: AsyncClient) -> None:
    note = (await client.post("/notes", json={"text": "Attached"})).json()
    attached = await client.post("/attachments", json={"id": 1, "note_id": note["id"]})
    assert attached.status_code == 201, attached.text

    orphan = await client.post("/attachments", json={"id": 2, "note_id": note["id"] + 1})
    assert orphan.status_code == 422
    assert orphan.json() == {
        "detail": [
            {"type": "missing_reference", "loc": ["body", "note_id"], "msg": "No note has this id"}
        ]
    }


async def test_a_referenced_row_cannot_be_deleted(client: AsyncClient) -> None:
    note = (await client.post("/notes", json={"text": "Attached"})).json()
    await client.post("/attachments", json={"id": 1, "note_id": note["id"]})

    refused = await client.delete(f"/notes/{note['id']}")
    assert refused.status_code == 409
    assert refused.json() == {"detail": "This note is still referenced"}
    # Where the repository says what references its rows, the 409 names it.
    named = await client.delete(f"/attached-notes/{note['id']}")
    assert named.status_code == 409
    assert named.json() == {"detail": "This note is still referenced by attachments"}
    assert (await client.get(f"/notes/{note['id']}")).status_code == 200
