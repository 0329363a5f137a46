"""FastAPI over the floor's own stores: what the framework costs, with no data layer.

The same raw-driver stores as the floor (floor.py, `FLOOR_DATABASE_URL`,
`FLOOR_POOL_SIZE`, `FLOOR_SYNCHRONOUS`), behind what every generated service has in
front of its data layer: FastAPI routes, a dependency that hands the route its store,
and pydantic models that validate the request and the response. The distance from
the floor to this app is the framework's; from this app to a variant, the data layer's.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .floor import (
    DEFAULT_POOL_SIZE,
    DEFAULT_SYNCHRONOUS,
    ID_MAX,
    LIMIT_MAX,
    OFFSET_MAX,
    TEXT_MAX_LENGTH,
    Store,
    open_store,
)


def without_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    return text


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: Annotated[
        str, Field(min_length=1, max_length=TEXT_MAX_LENGTH), AfterValidator(without_nul)
    ]
    completed: bool = False


class NoteRead(BaseModel):
    id: int
    text: str
    completed: bool


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]
NoteId = Annotated[int, Path(ge=1, le=ID_MAX)]


def create_app(
    url: str, pool_size: int = DEFAULT_POOL_SIZE, synchronous: str = DEFAULT_SYNCHRONOUS
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = await open_store(url, pool_size, synchronous)
        try:
            yield
        finally:
            await app.state.store.close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/notes/{note_id}", response_model=NoteRead)
    async def read_note(note_id: NoteId, store: StoreDep) -> NoteRead:
        note = await store.get(note_id)
        if note is None:
            raise HTTPException(status_code=404, detail="Note not found")
        return NoteRead.model_validate(note)

    @app.get("/notes", response_model=list[NoteRead])
    async def list_notes(
        store: StoreDep,
        limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = 50,
        offset: Annotated[int, Query(ge=0, le=OFFSET_MAX)] = 0,
    ) -> list[NoteRead]:
        return [NoteRead.model_validate(note) for note in await store.page(limit, offset)]

    @app.post("/notes", status_code=201, response_model=NoteRead)
    async def create_note(
        note: NoteCreate, store: StoreDep, request: Request, response: Response
    ) -> NoteRead:
        created = NoteRead.model_validate(await store.create(note.text, note.completed))
        response.headers["Location"] = str(request.url_for("read_note", note_id=created.id))
        return created

    return app


def app_from_environment() -> FastAPI:
    """What uvicorn serves: `uvicorn --factory framework:app_from_environment`."""
    return create_app(
        os.environ["FLOOR_DATABASE_URL"],
        int(os.environ.get("FLOOR_POOL_SIZE", DEFAULT_POOL_SIZE)),
        os.environ.get("FLOOR_SYNCHRONOUS", DEFAULT_SYNCHRONOUS),
    )
