"""Queries on notes, each on a connection of its own taken from the pool.

Each write is a single statement, which the database commits on its own before
`fetch_one` returns, so a response never outruns it. A write of several
statements belongs in `async with database.transaction():` inside the connection.

`databases` compiles a SQLAlchemy statement on every call, so the reads that
every page makes are written as SQL once, here.
"""

from databases.interfaces import Record
from sqlalchemy import delete, text, update

from .db import Connector
from .models import notes
from .schemas import NoteCreate, NoteRead, NoteUpdate

GET_NOTE = "SELECT id, text, completed FROM notes WHERE id = :id"
LIST_NOTES = "SELECT id, text, completed FROM notes ORDER BY id LIMIT :limit OFFSET :offset"


def to_note(row: Record) -> NoteRead:
    # Field by field: a quarter cheaper than validating a dict of the row,
    # which shows on a page of fifty.
    return NoteRead(id=row["id"], text=row["text"], completed=row["completed"])


async def ping(db: Connector) -> None:
    async with db.connection() as database:
        await database.fetch_val(text("SELECT 1"))


async def create_note(db: Connector, data: NoteCreate) -> NoteRead:
    async with db.connection() as database:
        row = await database.fetch_one(notes.insert().values(**data.model_dump()).returning(notes))
    assert row is not None  # INSERT ... RETURNING yields the new row
    return to_note(row)


async def list_notes(db: Connector, *, limit: int, offset: int) -> list[NoteRead]:
    async with db.connection() as database:
        rows = await database.fetch_all(LIST_NOTES, {"limit": limit, "offset": offset})
    return [to_note(row) for row in rows]


async def get_note(db: Connector, note_id: int) -> NoteRead | None:
    async with db.connection() as database:
        row = await database.fetch_one(GET_NOTE, {"id": note_id})
    return None if row is None else to_note(row)


async def update_note(db: Connector, note_id: int, changes: NoteUpdate) -> NoteRead | None:
    values = changes.model_dump(exclude_unset=True)
    if not values:
        return await get_note(db, note_id)
    async with db.connection() as database:
        row = await database.fetch_one(
            update(notes).where(notes.c.id == note_id).values(**values).returning(notes)
        )
    return None if row is None else to_note(row)


async def delete_note(db: Connector, note_id: int) -> bool:
    async with db.connection() as database:
        row = await database.fetch_one(
            delete(notes).where(notes.c.id == note_id).returning(notes.c.id)
        )
    return row is not None
