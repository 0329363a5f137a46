"""The notes endpoints as a team writes them without the template: FastAPI and the
SQLAlchemy ORM the way their tutorials teach.

One `AsyncSession` per request from a yield dependency, the engine's default pool, a
declarative model, `session.get`, `select(Note)` and `session.add` with a commit, and
pydantic models that read the ORM objects. `DATABASE_URL` is an async SQLAlchemy URL
(`postgresql+asyncpg://...`, `sqlite+aiosqlite:///...`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    status,
)
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(500), unique=True)
    completed: Mapped[bool] = mapped_column(default=False)
    # Set on insert from the app's clock, in UTC (PostgreSQL keeps the offset; SQLite
    # and MySQL keep the date and time).
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=500)
    completed: bool = False


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    completed: bool
    created_at: datetime
    updated_at: datetime


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

router = APIRouter()


@router.get("/notes/{note_id}", response_model=NoteRead)
async def read_note(note_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep) -> Note:
    note = await session.get(Note, note_id)
    if note is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Note not found")
    return note


@router.get("/notes", response_model=list[NoteRead])
async def list_notes(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Sequence[Note]:
    notes = await session.scalars(select(Note).order_by(Note.id).limit(limit).offset(offset))
    return notes.all()


@router.post("/notes", response_model=NoteRead, status_code=status.HTTP_201_CREATED)
async def create_note(
    data: NoteCreate, session: SessionDep, request: Request, response: Response
) -> Note:
    note = Note(**data.model_dump())
    session.add(note)
    await session.commit()
    response.headers["Location"] = str(request.url_for("read_note", note_id=note.id))
    return note


def create_app(url: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_async_engine(url)
        app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
    app.include_router(router)
    return app


def app_from_environment() -> FastAPI:
    """What uvicorn serves with `--factory`."""
    return create_app(os.environ["DATABASE_URL"])
