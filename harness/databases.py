"""The modules of the template's databases, by the `database` answer: each creates and
drops a database, queries it, counts its notes and locks its notes table the same way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Protocol

from . import mysql, postgres, sqlite


class Database(Protocol):
    """What postgres.py, mysql.py and sqlite.py each provide."""

    @property
    def SERVER(self) -> str | None:
        """The key of its server in servers.SERVERS; None for a file."""

    @property
    def POOLER(self) -> str | None:
        """The key of a pooler that may stand in front of the server."""

    @property
    def POOL_NAMES(self) -> frozenset[str]:
        """The connection pools the service reports in its metrics."""

    @property
    def README_SECTION(self) -> str | None:
        """The generated README's section that points the service at a new database."""

    def readme_environment(self, server_url: str, name: str) -> dict[str, str]:
        """The settings the README's section runs with against the server."""

    def create_database(self, where: str, name: str) -> str:
        """Create `name` on the server at the admin URL `where` (SQLite: in the folder);
        the URL the service takes."""

    def drop_database(self, where: str, name: str) -> None: ...

    def query(self, database_url: str, sql: str) -> str: ...

    def count_notes(self, database_url: str) -> int: ...

    def notes_locked(self, database_url: str) -> AbstractContextManager[Callable[[int], None]]:
        """Hold a lock that keeps writers of notes waiting; yield a wait for `n` of them."""


DATABASES: dict[str, Database] = {"postgresql": postgres, "mysql": mysql, "sqlite": sqlite}


def database_of(answers: Mapping[str, object]) -> Database:
    """The module of a variant's database."""
    return DATABASES[str(answers["database"])]
