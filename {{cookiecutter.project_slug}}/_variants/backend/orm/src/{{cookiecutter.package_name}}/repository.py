"""Queries on notes. Each write commits before it returns, so a response never outruns it.

Queries select the columns a response needs rather than whole `Note` objects: no
request changes a loaded note, so the session need not build and track them.
"""

from sqlalchemy import RowMapping, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Note
from .schemas import NoteCreate, NoteRead, NoteUpdate

NOTE_COLUMNS = (Note.id, Note.text, Note.completed)


def to_note(columns: RowMapping) -> NoteRead:
    return NoteRead.model_validate(columns)


async def ping(db: AsyncSession) -> None:
    await db.execute(text("SELECT 1"))


async def create_note(db: AsyncSession, data: NoteCreate) -> NoteRead:
    result = await db.execute(insert(Note).values(**data.model_dump()).returning(*NOTE_COLUMNS))
    note = to_note(result.mappings().one())
    await db.commit()
    return note


async def list_notes(db: AsyncSession, *, limit: int, offset: int) -> list[NoteRead]:
    result = await db.execute(select(*NOTE_COLUMNS).order_by(Note.id).limit(limit).offset(offset))
    return [to_note(columns) for columns in result.mappings()]


async def get_note(db: AsyncSession, note_id: int) -> NoteRead | None:
    result = await db.execute(select(*NOTE_COLUMNS).where(Note.id == note_id))
    columns = result.mappings().one_or_none()
    return None if columns is None else to_note(columns)


async def update_note(db: AsyncSession, note_id: int, changes: NoteUpdate) -> NoteRead | None:
    values = changes.model_dump(exclude_unset=True)
    if not values:
        return await get_note(db, note_id)
    # One UPDATE ... RETURNING: a note deleted meanwhile is simply not found.
    result = await db.execute(
        update(Note).where(Note.id == note_id).values(**values).returning(*NOTE_COLUMNS)
    )
    columns = result.mappings().one_or_none()
    await db.commit()
    return None if columns is None else to_note(columns)


async def delete_note(db: AsyncSession, note_id: int) -> bool:
    deleted = await db.scalar(delete(Note).where(Note.id == note_id).returning(Note.id))
    await db.commit()
    return deleted is not None
