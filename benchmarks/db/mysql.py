"""MySQL: a throwaway MariaDB server for the run, a database per target, and the server's
count of the connections opened to it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from harness.mysql import CREATE_DATABASE, throwaway_server
from harness.servers import SERVERS

from ..criteria import (
    Criterion,
    a_fair_tail,
    faster_than_its_reference,
    faster_than_the_accounts_reference,
    no_new_connections,
)

T = TypeVar("T")


class Mysql:
    floor: ClassVar[str] = "floor-asyncmy"
    sessions_note: ClassVar[str] = (
        "new conns: the most in any run, from the server's Connections counter (every "
        "target but the one under load is idle, so the count is that target's)"
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
    cases: ClassVar[tuple[str, ...]] = ("endpoints", "logins", "observability")

    @staticmethod
    def missing() -> list[str]:
        return [] if SERVERS["mysql"].installed() else ["the MariaDB server programs"]

    @classmethod
    @contextmanager
    def started(cls, work: Path) -> Iterator[Mysql]:
        with throwaway_server() as server:
            print(
                "MySQL: a throwaway MariaDB server on loopback, its log flushed to disk "
                "once a second rather than at each commit (durability is not measured here)",
                flush=True,
            )
            database = cls(server.url)
            try:
                yield database
            finally:
                database.close()

    def __init__(self, admin_url: str) -> None:
        # Imported here: `--help` and the check for missing packages come first.
        import asyncmy

        server = urlsplit(admin_url)
        self._connect = lambda database: asyncmy.connect(
            host=server.hostname,
            port=server.port,
            user=server.username,
            password=server.password or "",
            database=database,
            autocommit=True,
        )
        self._server = f"mysql+asyncmy://{server.netloc}"
        self._loop = asyncio.new_event_loop()
        self._admin = self._run(self._connect("mysql"))
        # One connection per target's database, opened before the target serves.
        self._connections: dict[str, Any] = {}

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(coroutine)

    def _query(self, connection: Any, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        async def query() -> list[tuple[Any, ...]]:
            async with connection.cursor() as cursor:
                await cursor.execute(sql, args or None)
                return list(await cursor.fetchall())

        return self._run(query())

    def create(self, name: str) -> str:
        self._query(self._admin, CREATE_DATABASE.format(name))
        return f"{self._server}/{name}"

    def seed(
        self, name: str, notes: Sequence[tuple[str, bool]], owner: uuid.UUID | None = None
    ) -> None:
        connection = self._run(self._connect(name))
        self._connections[name] = connection

        async def insert() -> None:
            async with connection.cursor() as cursor:
                if owner is None:
                    sql = "INSERT INTO notes (text, completed) VALUES (%s, %s)"
                    await cursor.executemany(sql, notes)
                else:
                    # SQLAlchemy's Uuid is 32 hex digits in a CHAR(32) here.
                    sql = "INSERT INTO notes (owner_id, text, completed) VALUES (%s, %s, %s)"
                    await cursor.executemany(sql, [(owner.hex, *note) for note in notes])

        self._run(insert())

    def rows(self, name: str) -> int:
        ((count,),) = self._query(self._connections[name], "SELECT count(*) FROM notes")
        return int(count)

    def sessions(self, name: str) -> int:
        ((_, count),) = self._query(self._admin, "SHOW GLOBAL STATUS LIKE 'Connections'")
        return int(count)

    def settle(self) -> None:
        pass

    def close(self) -> None:
        for connection in [self._admin, *self._connections.values()]:
            connection.close()
        self._loop.close()
