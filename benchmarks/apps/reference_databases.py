"""The notes endpoints as a team writes them without the template: FastAPI and the
`databases` package on a SQLAlchemy Core table, the way their tutorials teach.

One `databases.Database`, connected and disconnected in the lifespan, queries built
from the Core table and run with `fetch_one`, `fetch_all` and `execute`, and pydantic
models for the bodies. `DATABASE_URL` is a SQLAlchemy URL (`postgresql+asyncpg://...`,
`sqlite+aiosqlite:///...`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

import databases
from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, select

metadata = MetaData()

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("text", String(500), nullable=False, unique=True),
    Column("completed", Boolean, nullable=False, default=False),
    # Set on insert from the app's clock, in UTC (PostgreSQL keeps the offset; SQLite
    # and MySQL keep the date and time).
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=500)
    completed: bool = False


class NoteRead(BaseModel):
    id: int
    text: str
    completed: bool
    created_at: datetime
    updated_at: datetime


def database_of(request: Request) -> databases.Database:
    database: databases.Database = request.app.state.database
    return database


router = APIRouter()


@router.get("/notes/{note_id}", response_model=NoteRead)
async def read_note(note_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request) -> Any:
    note = await database_of(request).fetch_one(select(notes).where(notes.c.id == note_id))
    if note is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Note not found")
    return note


@router.get("/notes", response_model=list[NoteRead])
async def list_notes(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    query = select(notes).order_by(notes.c.id).limit(limit).offset(offset)
    return await database_of(request).fetch_all(query)


@router.post("/notes", response_model=NoteRead, status_code=status.HTTP_201_CREATED)
async def create_note(data: NoteCreate, request: Request, response: Response) -> Any:
    now = datetime.now(UTC)
    values = {**data.model_dump(), "created_at": now, "updated_at": now}
    note_id = await database_of(request).execute(notes.insert().values(**values))
    response.headers["Location"] = str(request.url_for("read_note", note_id=note_id))
    return {"id": note_id, **values}


def create_app(url: str) -> FastAPI:
    database = databases.Database(url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await database.connect()
        app.state.database = database
        yield
        await database.disconnect()

    app = FastAPI(lifespan=lifespan)
    app.include_router(router)
    return app


def app_from_environment() -> FastAPI:
    """What uvicorn serves with `--factory`."""
    return create_app(os.environ["DATABASE_URL"])
