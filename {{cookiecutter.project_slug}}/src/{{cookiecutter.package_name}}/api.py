"""HTTP routes: health probes, the notes resource, and the answers every resource shares."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status

{% if cookiecutter.auth == "fastapi-users" %}from .auth.routes import UNAUTHORIZED
{% endif %}from .db import DatabaseDep
from .repository import NotesDep
from .schemas import (
    Health,
    Id,
    Limit,
    Message,
    NoteCreate,
    NoteOrder,
    NoteRead,
    NoteUpdate,
    Offset,
    UpdatedSince,
)

Responses = dict[int | str, dict[str, Any]]

# Documented in the OpenAPI schema; errors.py writes these bodies.
UNAVAILABLE: Responses = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {"model": Message, "description": "Database unavailable"}
}
# Reading a body can fail before validation, such as on bytes that are not UTF-8.
UNREADABLE_BODY: Responses = {
    status.HTTP_400_BAD_REQUEST: {"model": Message, "description": "Body could not be read"}
}


def not_found(resource: str) -> Responses:
    """The 404 of a route that names one row of `resource`, for the OpenAPI schema."""
    answer = {"model": Message, "description": f"{resource} not found"}
    return {status.HTTP_404_NOT_FOUND: answer}


def conflict(description: str) -> Responses:
    """A 409 (constraints.py writes its body), for the OpenAPI schema."""
    answer = {"model": Message, "description": description}
    return {status.HTTP_409_CONFLICT: answer}


def missing(resource: str) -> HTTPException:
    """The 404 answer, such as "Note not found"."""
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{resource} not found")


NOTE_NOT_FOUND = not_found("Note")
NOTE_CONFLICT = conflict("Another note has this text")

router = APIRouter(responses=UNAVAILABLE)
notes_router = APIRouter(prefix="/notes", tags=["notes"]{% if cookiecutter.auth == "fastapi-users" %}, responses=UNAUTHORIZED{% endif %})


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
    "", status_code=status.HTTP_201_CREATED, responses={**UNREADABLE_BODY, **NOTE_CONFLICT}
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
async def list_notes(
    notes: NotesDep,
    limit: Limit = 50,
    offset: Offset = 0,
    updated_since: UpdatedSince = None,
    order: NoteOrder = "id",
) -> list[NoteRead]:
    page = await notes.page(limit=limit, offset=offset, updated_since=updated_since, order=order)
    return [NoteRead.model_validate(note) for note in page]


@notes_router.get("/{note_id}", responses=NOTE_NOT_FOUND)
async def read_note(note_id: Id, notes: NotesDep) -> NoteRead:
    note = await notes.get(note_id)
    if note is None:
        raise missing("Note")
    return NoteRead.model_validate(note)


@notes_router.patch("/{note_id}", responses={**NOTE_NOT_FOUND, **UNREADABLE_BODY, **NOTE_CONFLICT})
async def update_note(note_id: Id, changes: NoteUpdate, notes: NotesDep) -> NoteRead:
    note = await notes.update(note_id, changes)
    if note is None:
        raise missing("Note")
    return NoteRead.model_validate(note)


# Response: a 204 has no body, so no content type either.
@notes_router.delete(
    "/{note_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOTE_NOT_FOUND,
)
async def delete_note(note_id: Id, notes: NotesDep) -> None:
    if not await notes.delete(note_id):
        raise missing("Note")


router.include_router(notes_router)
