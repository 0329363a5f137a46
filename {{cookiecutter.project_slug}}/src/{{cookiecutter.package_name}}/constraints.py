"""What a resource's constraints mean to a client when the database refuses a write.

A repository declares them once per resource and runs each write in `writing()`
and each delete in `deleting()`: a unique value already taken is a 409 naming
the field, a write naming a row that does not exist a 422 on the field that
names it, and a delete of a row that others still reference a 409 naming them.
The database's error says which kind of constraint refused (dialect.py); which
field, only the repository knows, as SQLite does not say, and neither SQLite
nor PostgreSQL tells a missing row from a referenced one: the operation does.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from . import dialect
from .errors import Conflict, MissingReference, UnexpectedDatabaseError


def driver_error(error: BaseException) -> BaseException:
    """The driver's error behind `error`, which may stand in for it (connect.py)."""
    if isinstance(error, UnexpectedDatabaseError):
        return error.driver_error
    if isinstance(error, Conflict) and error.__cause__ is not None:
        return driver_error(error.__cause__)
    # SQLAlchemy wraps the driver's error; `databases` raises it as is.
    return getattr(error, "orig", None) or error


@dataclass(frozen=True)
class Constraints:
    resource: str
    # The field whose value no other row of the resource may have.
    unique: str | None = None
    # The field that names a row of another resource (a foreign key), and that
    # resource: ("project_id", "project").
    reference: tuple[str, str] | None = None
    # The resource, or resources, whose rows may name one of these (for a 409).
    referenced_by: str | None = None

    @contextmanager
    def writing(self) -> Iterator[None]:
        """An insert or update: a refusal is a taken value or a missing reference."""
        try:
            yield
        except Exception as error:
            cause = driver_error(error)
            if self.unique is not None and dialect.is_unique_violation(cause):
                raise Conflict(f"Another {self.resource} has this {self.unique}") from error
            if self.reference is not None and dialect.is_foreign_key_violation(cause):
                raise MissingReference(*self.reference) from error
            raise

    @contextmanager
    def deleting(self) -> Iterator[None]:
        """A delete: a refusal means other rows still name this one."""
        try:
            yield
        except Exception as error:
            if dialect.is_foreign_key_violation(driver_error(error)):
                by = f" by {self.referenced_by}" if self.referenced_by else ""
                raise Conflict(f"This {self.resource} is still referenced{by}") from error
            raise
