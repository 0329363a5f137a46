"""The databases the benchmark runs on, a module each: how to get a server for a run, a
database per target seeded with the same notes, what to count in it, and what the
targets are judged on there.

A database that the template gains gets a module of the same shape and a line here,
beside its module in harness/ (harness/databases.py), which creates its databases and
counts their notes for the tests and this benchmark alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

from ..criteria import Criterion
from .mysql import Mysql
from .postgresql import Postgresql
from .sqlite import Sqlite


class Database(Protocol):
    """One database server (or file folder) for the whole run, and a database per target."""

    def create(self, name: str) -> str:
        """Create an empty database; the async SQLAlchemy URL the apps take."""

    def seed(
        self, name: str, notes: Sequence[tuple[str, bool]], owner: uuid.UUID | None = None
    ) -> None:
        """Insert the notes (text, completed); on an auth variant's tables, as `owner`'s."""

    def rows(self, name: str) -> int:
        """How many notes the database holds."""

    def sessions(self, name: str) -> int | None:
        """Connections ever opened to it, or None where that is not counted."""

    def settle(self) -> None:
        """Wait until what the targets just did shows in the counts."""


class Kind(Protocol):
    """What a database module provides (its class)."""

    floor: str  # the floor's name in the tables, after its driver
    sessions_note: str  # what the table's "new conns" column means here
    criteria: tuple[Criterion, ...]  # what the variants are judged on here
    auth_criteria: tuple[Criterion, ...]  # what the auth variants are judged on here
    cases: tuple[str, ...]  # what a run measures here (--case)

    def missing(self) -> list[str]: ...

    def started(self, work: Path) -> AbstractContextManager[Database]: ...


# By the template's `database` answer.
DATABASES: dict[str, Kind] = {"postgresql": Postgresql, "mysql": Mysql, "sqlite": Sqlite}
