"""A user's notes, as ORM entities, in the request's session."""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .auth.routes import CurrentUser
from .constraints import Constraints
from .db import SessionDep
from .models import Note, User
from .schemas import NoteCreate, NoteOrder, NoteUpdate
from .timestamps import utcnow

# What the database refuses, as the client is told.
NOTE_CONSTRAINTS = Constraints("note", unique="text", reference=("owner_id", "user"))


class NoteRepository:
    """Reads and writes the notes of one user in the request's session.

    Another user's note is treated as missing, so that no answer tells it exists.
    Writes are flushed, so that the database checks them (and assigns ids) at
    once; the session commits them when the request's work is done.
    """

    def __init__(self, session: AsyncSession, owner: User) -> None:
        self.session = session
        self.owner = owner

    async def create(self, data: NoteCreate) -> Note:
        now = utcnow()
        note = Note(**data.model_dump(), owner_id=self.owner.id, created_at=now, updated_at=now)
        self.session.add(note)
        with NOTE_CONSTRAINTS.writing():
            await self.session.flush()
        return note

    async def page(
        self, *, limit: int, offset: int, updated_since: datetime | None, order: NoteOrder
    ) -> Sequence[Note]:
        query = select(Note).where(Note.owner_id == self.owner.id)
        if updated_since is not None:
            query = query.where(Note.updated_at >= updated_since)
        newest_first = (Note.updated_at.desc(), Note.id.desc())
        query = query.order_by(*(newest_first if order == "-updated_at" else (Note.id,)))
        notes = await self.session.scalars(query.limit(limit).offset(offset))
        return notes.all()

    async def get(self, note_id: int, *, for_update: bool = False) -> Note | None:
        # Locked for an update until the request's transaction ends, so that a
        # request deleting the note at the same time waits, and then finds it
        # changed, or gone.
        note = await self.session.get(Note, note_id, with_for_update=for_update)
        return note if note is not None and note.owner_id == self.owner.id else None

    async def update(self, note_id: int, changes: NoteUpdate) -> Note | None:
        note = await self.get(note_id, for_update=True)
        if note is None:
            return None
        for field, value in changes.model_dump(exclude_unset=True).items():
            setattr(note, field, value)
        with NOTE_CONSTRAINTS.writing():
            await self.session.flush()
        return note

    async def delete(self, note_id: int) -> bool:
        note = await self.get(note_id, for_update=True)
        if note is None:
            return False
        await self.session.delete(note)
        with NOTE_CONSTRAINTS.deleting():
            await self.session.flush()
        return True


async def get_notes(session: SessionDep, owner: CurrentUser) -> NoteRepository:
    # An async function: FastAPI would construct the class in a worker thread.
    return NoteRepository(session, owner)


NotesDep = Annotated[NoteRepository, Depends(get_notes)]
