"""What clients send and receive about users, and the rule for passwords."""

import uuid
from typing import Annotated

from fastapi_users import schemas as user_schemas
from pydantic import ConfigDict, EmailStr, Field, field_validator

from ..schemas import omitted_not_null

MIN_PASSWORD_LENGTH = 8
# Hashing is slow on purpose; an unbounded password would make it slower still.
MAX_PASSWORD_LENGTH = 128

# Documented in the OpenAPI schema, so that clients know the rule before they send.
Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]


class UserRead(user_schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(user_schemas.BaseUserCreate):
    model_config = ConfigDict(strict=True)

    password: Password


class UserUpdate(user_schemas.BaseUserUpdate):
    """A partial update: omitted fields keep their value; null is refused."""

    model_config = ConfigDict(
        strict=True,
        json_schema_extra=omitted_not_null(
            "password", "email", "is_active", "is_superuser", "is_verified"
        ),
    )

    # None stands for an omitted field only, so that a rejected value is
    # reported once, as what it should have been.
    password: Password | None = None
    email: EmailStr | None = None
    is_active: bool | None = None
    is_superuser: bool | None = None
    is_verified: bool | None = None

    @field_validator("*", mode="before")
    @classmethod
    def reject_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be omitted but must not be null")
        return value
