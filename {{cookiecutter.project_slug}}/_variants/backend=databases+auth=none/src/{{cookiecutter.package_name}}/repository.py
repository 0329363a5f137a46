"""The notes, as rows of the Core `notes` table, with the app's `databases.Database`."""

from datetime import datetime
from typing import Annotated

from fastapi import Depends
from sqlalchemy import delete, insert, select, update

from .constraints import Constraints
from .db import Database, DatabaseDep
from .models import notes
from .schemas import NoteCreate, NoteOrder, NoteRead, NoteUpdate
from .timestamps import utcnow

# What the database refuses, as the client is told.
NOTE_CONSTRAINTS = Constraints("note", unique="text")


class NoteRepository:
    """Reads and writes notes with the app's database.

    A single statement commits on its own; work of several statements runs in
    one transaction, which commits or rolls back whole.
    """

    def __init__(self, database: Database) -> None:
        self.database = database

    async def create(self, data: NoteCreate) -> NoteRead:
        now = utcnow()
        values = {**data.model_dump(), "created_at": now, "updated_at": now}
        # `databases` answers an INSERT with the new row's id.
        with NOTE_CONSTRAINTS.writing():
            note_id = await self.database.execute(insert(notes).values(**values))
        return NoteRead(id=note_id, **values)

    async def page(
        self, *, limit: int, offset: int, updated_since: datetime | None, order: NoteOrder
    ) -> list[NoteRead]:
        query = select(notes)
        if updated_since is not None:
            query = query.where(notes.c.updated_at >= updated_since)
        newest_first = (notes.c.updated_at.desc(), notes.c.id.desc())
        query = query.order_by(*(newest_first if order == "-updated_at" else (notes.c.id,)))
        rows = await self.database.fetch_all(query.limit(limit).offset(offset))
        return [NoteRead.model_validate(row) for row in rows]

    async def get(self, note_id: int) -> NoteRead | None:
        row = await self.database.fetch_one(select(notes).where(notes.c.id == note_id))
        return None if row is None else NoteRead.model_validate(row)

    async def update(self, note_id: int, changes: NoteUpdate) -> NoteRead | None:
        values = changes.model_dump(exclude_unset=True)
        if not values:
            return await self.get(note_id)
        values["updated_at"] = utcnow()
        with NOTE_CONSTRAINTS.writing():
            async with self.database.transaction():
                # The UPDATE locks the row until the transaction ends, so that the
                # SELECT reads this change, or no row if the note was deleted first.
                await self.database.execute(
                    update(notes).where(notes.c.id == note_id).values(**values)
                )
                return await self.get(note_id)

    async def delete(self, note_id: int) -> bool:
        with NOTE_CONSTRAINTS.deleting():
            async with self.database.transaction():
                # Locked, so that a request deleting the note at the same time waits,
                # then finds it gone.
                found = await self.database.fetch_val(
                    select(notes.c.id).where(notes.c.id == note_id).with_for_update()
                )
                if found is not None:
                    await self.database.execute(delete(notes).where(notes.c.id == note_id))
        return found is not None


async def get_notes(database: DatabaseDep) -> NoteRepository:
    # An async function: FastAPI would construct the class in a worker thread.
    return NoteRepository(database)


NotesDep = Annotated[NoteRepository, Depends(get_notes)]
