"""Database tables as SQLAlchemy Core tables; Alembic reads `metadata`."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    false,
    func,
    true,
)

from .timestamps import UtcDateTime, utc_now

NOTE_TEXT_MAX_LENGTH = 500
# The longest address RFC 5321 allows.
EMAIL_MAX_LENGTH = 320

# Stable constraint names, so migrations (and SQLite batch mode) can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Accounts, with the fields FastAPI Users reads and writes.
users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Stored in lower case (auth/users.py), so that one address is one account however typed.
    Column("email", String(EMAIL_MAX_LENGTH), nullable=False, unique=True),
    Column("hashed_password", String(1024), nullable=False),
    # Defaults in the database: `databases` does not fill in a Column's own default.
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("is_superuser", Boolean, nullable=False, server_default=false()),
    Column("is_verified", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    # Deleting a user deletes their notes, in the database itself.
    Column("owner_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("text", String(NOTE_TEXT_MAX_LENGTH), nullable=False),
    Column("completed", Boolean, nullable=False, default=False, server_default=false()),
    # Set by the repository, in UTC; updated_at is indexed for the list's filter and order.
    Column("created_at", UtcDateTime, nullable=False, server_default=utc_now()),
    Column("updated_at", UtcDateTime, nullable=False, server_default=utc_now(), index=True),
    # A text is unique among its owner's notes only: a 409 for another user's
    # text would tell that it exists.
    UniqueConstraint("owner_id", "text"),
)


class User(BaseModel):
    """A row of `users`, as FastAPI Users reads it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    hashed_password: str
    is_active: bool
    is_superuser: bool
    is_verified: bool
    created_at: datetime
