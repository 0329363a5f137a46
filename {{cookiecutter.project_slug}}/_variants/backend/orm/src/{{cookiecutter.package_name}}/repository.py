"""Queries on notes. Each write commits before it returns, so a response never outruns it."""

from sqlalchemy import delete, select, text, update
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
    values = changes.model_dump(exclude_unset=True)
    if not values:
        return await get_note(db, note_id)
    # One UPDATE ... RETURNING: a note deleted meanwhile is simply not found.
    note = await db.scalar(update(Note).where(Note.id == note_id).values(**values).returning(Note))
    await db.commit()
    return None if note is None else NoteRead.model_validate(note)


async def delete_note(db: AsyncSession, note_id: int) -> bool:
    deleted = await db.scalar(delete(Note).where(Note.id == note_id).returning(Note.id))
    await db.commit()
    return deleted is not None
