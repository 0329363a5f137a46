"""Database tables as SQLAlchemy ORM models; Alembic reads `metadata`."""

from datetime import datetime

from sqlalchemy import MetaData, String, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .timestamps import UtcDateTime, utc_now, utcnow

NOTE_TEXT_MAX_LENGTH = 500

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


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique, so that a duplicate is a conflict the API reports as 409.
    text: Mapped[str] = mapped_column(String(NOTE_TEXT_MAX_LENGTH), unique=True)
    completed: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set by the service, in UTC; updated_at is indexed for the list's filter and order.
    created_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utcnow, server_default=utc_now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, default=utcnow, onupdate=utcnow, server_default=utc_now(), index=True
    )


metadata = Base.metadata
