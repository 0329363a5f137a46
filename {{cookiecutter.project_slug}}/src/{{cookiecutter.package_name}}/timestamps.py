"""Points in time, stored in UTC and read back with their offset on every database."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime column, stored in UTC.

    PostgreSQL stores the instant (`timestamptz`). SQLite and MySQL store a date
    and time without an offset, so this type writes them in UTC and reads them
    back as UTC, instead of the naive datetimes those drivers return. A naive
    datetime is refused: its offset would be a guess.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[datetime]:
        if dialect.name in ("mysql", "mariadb"):  # microseconds, as the other databases keep
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a datetime without an offset")
        utc = value.astimezone(UTC)
        return utc if dialect.name == "postgresql" else utc.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class utc_now(FunctionElement[datetime]):
    """The database's current time in UTC, as a column's default for rows written
    outside the service (an import, a script); the service sets its own times."""

    type = UtcDateTime()
    inherit_cache = True


@compiles(utc_now)
def current_timestamp(element: utc_now, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's CURRENT_TIMESTAMP is in UTC; PostgreSQL's is an instant.
    return "CURRENT_TIMESTAMP"


@compiles(utc_now, "mysql")
@compiles(utc_now, "mariadb")
def mysql_utc_timestamp(element: utc_now, compiler: SQLCompiler, **kw: Any) -> str:
    # CURRENT_TIMESTAMP would be in the session's time zone.
    return "UTC_TIMESTAMP(6)"
