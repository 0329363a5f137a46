"""SQLite: a file per target in the run's folder. Its endpoint tables judge only the
auth variants (against the FastAPI Users reference app); the write-load case judges the
variants against the floor (write_load.py)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import ClassVar

from harness import sqlite

from ..criteria import Criterion, a_fair_tail, faster_than_the_accounts_reference


class Sqlite:
    floor: ClassVar[str] = "floor-aiosqlite"
    sessions_note: ClassVar[str] = "new conns: not counted on SQLite"
    criteria: ClassVar[tuple[Criterion, ...]] = ()
    # New connections are not counted on SQLite.
    auth_criteria: ClassVar[tuple[Criterion, ...]] = (
        faster_than_the_accounts_reference,
        a_fair_tail,
    )
    cases: ClassVar[tuple[str, ...]] = ("endpoints", "write-load", "logins", "observability")

    @staticmethod
    def missing() -> list[str]:
        return []

    @classmethod
    @contextmanager
    def started(cls, work: Path) -> Iterator[Sqlite]:
        folder = work / "sqlite"
        folder.mkdir()
        yield cls(folder)

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def _path(self, name: str) -> Path:
        return sqlite.path_of(self.create(name))

    def create(self, name: str) -> str:
        return sqlite.create_database(str(self._folder), name)

    def seed(
        self, name: str, notes: Sequence[tuple[str, bool]], owner: uuid.UUID | None = None
    ) -> None:
        with closing(sqlite3.connect(self._path(name))) as connection, connection:
            if owner is None:
                sql = "INSERT INTO notes (text, completed) VALUES (?, ?)"
                connection.executemany(sql, notes)
            else:
                # SQLAlchemy's Uuid is 32 hex digits in a CHAR(32) here.
                sql = "INSERT INTO notes (owner_id, text, completed) VALUES (?, ?, ?)"
                connection.executemany(sql, [(owner.hex, *note) for note in notes])

    def rows(self, name: str) -> int:
        return sqlite.count_notes(self.create(name))

    def sessions(self, name: str) -> None:
        return None

    def settle(self) -> None:
        pass
