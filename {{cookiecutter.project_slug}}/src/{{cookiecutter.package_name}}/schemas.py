"""The API's request and response bodies."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from .models import NOTE_TEXT_MAX_LENGTH

# Ids are 32-bit integers in the database; larger values can never match a row.
MAX_ID = 2**31 - 1
# OFFSET takes a 64-bit integer; anything past it cannot be sent to the database.
MAX_OFFSET = 2**63 - 1

# A resource's id in a path, such as /notes/{note_id}.
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


def iso_8601(value: object) -> object:
    # Query values are text; a number would otherwise be read as a Unix time.
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def in_utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # such as 0001-01-01T00:00:00+01:00
        raise ValueError("must fall within years 1 to 9999 in UTC") from None


# Only notes updated at or after this point; it must carry its offset.
UpdatedSince = Annotated[
    Annotated[AwareDatetime, BeforeValidator(iso_8601), AfterValidator(in_utc)] | None, Query()
]
# How a list of notes is ordered: by id, or the most recently updated first.
NoteOrder = Literal["id", "-updated_at"]


def without_nul(text: str) -> str:
    # PostgreSQL cannot store NUL in text; SQLite would cut the text there.
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    return text


NoteText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=NOTE_TEXT_MAX_LENGTH,
        # The same rule as without_nul, for clients that read the schema.
        json_schema_extra={"pattern": "^[^\\u0000]*$"},
    ),
    AfterValidator(without_nul),
]


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: NoteText
    completed: bool = False


def omitted_not_null(*names: str) -> Callable[[dict[str, Any]], None]:
    """Fixes a partial update's JSON schema: the fields `names` may be omitted, not null."""

    def fix(schema: dict[str, Any]) -> None:
        for name in names:
            field = schema["properties"][name]
            field.pop("default")
            (kept,) = [choice for choice in field.pop("anyOf") if choice != {"type": "null"}]
            field.update(kept)

    return fix


class NoteUpdate(BaseModel):
    """A partial update: omitted fields keep their value; null is rejected."""

    # None stands for an omitted field, never for a value a client sent, so that
    # a rejected value is reported once, as what it should have been.

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra=omitted_not_null("text", "completed")
    )

    text: NoteText | None = None
    completed: bool | None = None

    @field_validator("text", "completed", mode="before")
    @classmethod
    def reject_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be omitted but must not be null")
        return value


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    completed: bool
    # In UTC, with the offset: 2026-12-04T14:00:23.123456Z.
    created_at: datetime
    updated_at: datetime


class Health(BaseModel):
    status: Literal["ok"]


class Message(BaseModel):
    """The body of every error response except 422: `{"detail": "..."}`."""

    detail: str
