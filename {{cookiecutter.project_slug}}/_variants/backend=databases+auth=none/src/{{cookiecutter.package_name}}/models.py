"""Database tables as SQLAlchemy Core tables; Alembic reads `metadata`."""

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, false

from .timestamps import UtcDateTime, utc_now

NOTE_TEXT_MAX_LENGTH = 500

# Stable constraint names, so migrations (and SQLite batch mode) can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    # Unique, so that a duplicate is a conflict the API reports as 409.
    Column("text", String(NOTE_TEXT_MAX_LENGTH), nullable=False, unique=True),
    Column("completed", Boolean, nullable=False, default=False, server_default=false()),
    # Set by the repository, in UTC; updated_at is indexed for the list's filter and order.
    Column("created_at", UtcDateTime, nullable=False, server_default=utc_now()),
    Column("updated_at", UtcDateTime, nullable=False, server_default=utc_now(), index=True),
)
