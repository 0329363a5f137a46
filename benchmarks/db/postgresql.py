"""PostgreSQL: a throwaway cluster for the run, a database per target, and the server's
own count of the sessions opened to each."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from harness import postgres
from harness.servers import SERVERS

from ..criteria import (
    Criterion,
    a_fair_tail,
    faster_than_its_reference,
    faster_than_the_accounts_reference,
    no_new_connections,
)

T = TypeVar("T")

# A backend reports its statistics at most once a second, and when idle.
STATISTICS_DELAY = 1.2


class Postgresql:
    floor: ClassVar[str] = "floor-asyncpg"
    sessions_note: ClassVar[str] = (
        "new conns: the most in any run; an asyncpg pool also replaces a connection after "
        "50,000 queries (max_queries), so a fast target may show up to its pool size"
    )
    criteria: ClassVar[tuple[Criterion, ...]] = (
        faster_than_its_reference,
        a_fair_tail,
        no_new_connections,
    )
    auth_criteria: ClassVar[tuple[Criterion, ...]] = (
        faster_than_the_accounts_reference,
        a_fair_tail,
        no_new_connections,
    )
    cases: ClassVar[tuple[str, ...]] = ("endpoints", "logins", "observability", "scale-out")

    @staticmethod
    def missing() -> list[str]:
        needed = [] if SERVERS["postgres"].installed() else ["the PostgreSQL server programs"]
        if not SERVERS["pgbouncer"].installed():
            needed.append("pgbouncer")
        return needed

    @classmethod
    @contextmanager
    def started(cls, work: Path) -> Iterator[Postgresql]:
        with postgres.throwaway_cluster() as cluster:
            print(
                "PostgreSQL: a throwaway cluster on loopback, started with fsync=off "
                "(durability is not measured here)",
                flush=True,
            )
            database = cls(cluster.url)
            try:
                yield database
            finally:
                database.close()

    def __init__(self, admin_url: str) -> None:
        # Imported here: `--help` and the check for missing packages come first.
        import asyncpg

        self._connect = asyncpg.connect
        self.admin_url = admin_url
        self._server = admin_url.rsplit("/", 1)[0]
        self._loop = asyncio.new_event_loop()
        self._admin = self._run(self._connect(admin_url))
        # One connection per target's database, opened before the target serves.
        self._connections: dict[str, Any] = {}

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(coroutine)

    def create(self, name: str) -> str:
        url = postgres.create_database(self.admin_url, name)
        return url.replace("postgresql://", "postgresql+asyncpg://", 1)

    def seed(
        self, name: str, notes: Sequence[tuple[str, bool]], owner: uuid.UUID | None = None
    ) -> None:
        connection = self._run(self._connect(f"{self._server}/{name}"))
        self._connections[name] = connection
        if owner is None:
            insert = "INSERT INTO notes (text, completed) VALUES ($1, $2)"
            self._run(connection.executemany(insert, notes))
        else:
            # owner_id is a uuid column here.
            insert = "INSERT INTO notes (owner_id, text, completed) VALUES ($1, $2, $3)"
            self._run(connection.executemany(insert, [(owner, *note) for note in notes]))

    def rows(self, name: str) -> int:
        count = self._connections[name].fetchval("SELECT count(*) FROM notes")
        return int(self._run(count))

    def sessions(self, name: str) -> int:
        query = "SELECT sessions FROM pg_stat_database WHERE datname = $1"
        return int(self._run(self._admin.fetchval(query, name)))

    def settle(self) -> None:
        time.sleep(STATISTICS_DELAY)

    def close(self) -> None:
        for connection in [self._admin, *self._connections.values()]:
            self._run(connection.close())
        self._loop.close()
