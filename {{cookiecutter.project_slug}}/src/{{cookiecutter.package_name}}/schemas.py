"""The API's request and response bodies."""

from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from .models import NOTE_TEXT_MAX_LENGTH

# Ids are 32-bit integers in the database; larger values can never match a row.
MAX_NOTE_ID = 2**31 - 1
# OFFSET takes a 64-bit integer; anything past it cannot be sent to the database.
MAX_OFFSET = 2**63 - 1

NoteId = Annotated[int, Path(ge=1, le=MAX_NOTE_ID)]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


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


class NoteUpdate(BaseModel):
    """A partial update: omitted fields keep their value; null is rejected."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: NoteText | SkipJsonSchema[None] = None
    completed: bool | SkipJsonSchema[None] = None

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


class Health(BaseModel):
    status: Literal["ok"]


class Message(BaseModel):
    """The body of every error response except 422: `{"detail": "..."}`."""

    detail: str
