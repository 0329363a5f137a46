"""Queries on notes. Each write commits before it returns, so a response never outruns it."""

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Note
from .schemas import NoteCreate, NoteRead, NoteUpdate


async def ping(db: AsyncSession) -> None:
    await db.execute(text("SELECT 1"))


async def create_note(db: AsyncSession, data: NoteCreate) -> NoteRead:
    note = Note(**data.model_dump())
    db.add(note)
    await db.commit()
    return NoteRead.model_validate(note)


async def list_notes(db: AsyncSession, *, limit: int, offset: int) -> list[NoteRead]:
    notes = await db.scalars(select(Note).order_by(Note.id).limit(limit).offset(offset))
    return [NoteRead.model_validate(note) for note in notes]


async def get_note(db: AsyncSession, note_id: int) -> NoteRead | None:
    note = await db.get(Note, note_id)
    return None if note is None else NoteRead.model_validate(note)


async def update_note(db: AsyncSession, note_id: int, changes: NoteUpdate) -> NoteRead | None:
    note = await db.get(Note, note_id)
    if note is None:
        return None
    for field, value in changes.model_dump(exclude_unset=True).items():
        setattr(note, field, value)
    await db.commit()
    return NoteRead.model_validate(note)


async def delete_note(db: AsyncSession, note_id: int) -> bool:
    note = await db.get(Note, note_id)
    if note is None:
        return False
    await db.delete(note)
    await db.commit()
    return True
