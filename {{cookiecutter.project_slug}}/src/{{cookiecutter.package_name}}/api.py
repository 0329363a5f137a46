"""HTTP routes: health checks for probes and the notes resource."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status

{% if cookiecutter.auth == "fastapi-users" %}from .auth import UNAUTHORIZED
{% endif %}from .db import DatabaseDep
from .repository import NotesDep
from .schemas import Health, Limit, Message, NoteCreate, NoteId, NoteRead, NoteUpdate, Offset

Responses = dict[int | str, dict[str, Any]]

# Documented in the OpenAPI schema; errors.py writes these bodies.
UNAVAILABLE: Responses = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Message, "description": "Database unavailable"}
}
NOT_FOUND: Responses = {
    status.HTTP_404_NOT_FOUND: {"model": Message, "description": "Note not found"}
}
# Reading a body can fail before validation, such as on bytes that are not UTF-8.
UNREADABLE_BODY: Responses = {
    status.HTTP_400_BAD_REQUEST: {"model": Message, "description": "Body could not be read"}
}
CONFLICT: Responses = {
    status.HTTP_409_CONFLICT: {"model": Message, "description": "Another note has this text"}
}

router = APIRouter(responses=UNAVAILABLE)
notes_router = APIRouter(prefix="/notes", tags=["notes"]{% if cookiecutter.auth == "fastapi-users" %}, responses=UNAUTHORIZED{% endif %})


def note_not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail="Note not found")


@router.get("/health/live", tags=["health"])
async def live() -> Health:
    """Answers 200 while the process serves HTTP.

    It never touches the database: a database outage must not make an
    orchestrator restart every replica.
    """
    return Health(status="ok")


@router.get("/health/ready", tags=["health"])
@router.get("/health", tags=["health"])
async def ready(database: DatabaseDep, request: Request) -> Health:
    """Answers 200 only when the database answers a query and the service is not stopping.

    From SIGTERM on it answers 503, so that a load balancer stops sending
    requests while those in flight finish.
    """
    await database.ping()
    # Checked after the query: a check that waited for a connection while the
    # service began to stop is told so.
    if request.app.state.shutdown.begun:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="Service stopping",
            headers={"Retry-After": "1"},
        )
    return Health(status="ok")


@notes_router.post(
    "", status_code=status.HTTP_201_CREATED, responses={**UNREADABLE_BODY, **CONFLICT}
)
async def create_note(
    data: NoteCreate, notes: NotesDep, request: Request, response: Response
) -> NoteRead:
    note = await notes.create(data)
    # read_note's URL, built from this request's: the collection's and the id.
    location = request.url.replace(path=f"{request.url.path}/{note.id}", query="")
    response.headers["Location"] = str(location)
    return NoteRead.model_validate(note)


@notes_router.get("")
async def list_notes(notes: NotesDep, limit: Limit = 50, offset: Offset = 0) -> list[NoteRead]:
    return [NoteRead.model_validate(note) for note in await notes.list(limit=limit, offset=offset)]


@notes_router.get("/{note_id}", responses=NOT_FOUND)
async def read_note(note_id: NoteId, notes: NotesDep) -> NoteRead:
    note = await notes.get(note_id)
    if note is None:
        raise note_not_found()
    return NoteRead.model_validate(note)


@notes_router.patch("/{note_id}", responses={**NOT_FOUND, **UNREADABLE_BODY, **CONFLICT})
async def update_note(note_id: NoteId, changes: NoteUpdate, notes: NotesDep) -> NoteRead:
    note = await notes.update(note_id, changes)
    if note is None:
        raise note_not_found()
    return NoteRead.model_validate(note)


@notes_router.delete("/{note_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_note(note_id: NoteId, notes: NotesDep) -> None:
    if not await notes.delete(note_id):
        raise note_not_found()


router.include_router(notes_router)
