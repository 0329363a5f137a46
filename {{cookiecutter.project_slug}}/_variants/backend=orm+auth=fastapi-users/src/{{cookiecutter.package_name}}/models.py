"""Database tables as SQLAlchemy ORM models; Alembic reads `metadata`."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, MetaData, String, UniqueConstraint, false, func, true
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .timestamps import UtcDateTime, utc_now, utcnow

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


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """An account, with the fields FastAPI Users reads and writes."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Stored in lower case (users.py), so that one address is one account however typed.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(1024))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    is_superuser: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_verified: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Note(Base):
    __tablename__ = "notes"
    # A text is unique among its owner's notes only: a 409 for another user's
    # text would tell that it exists.
    __table_args__ = (UniqueConstraint("owner_id", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deleting a user deletes their notes, in the database itself.
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(NOTE_TEXT_MAX_LENGTH))
    completed: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set by the service, in UTC; updated_at is indexed for the list's filter and order.
    created_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utcnow, server_default=utc_now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utcnow, onupdate=utcnow, server_default=utc_now(), index=True
    )


metadata = Base.metadata
