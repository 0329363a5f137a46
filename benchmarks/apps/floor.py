"""The floor: the notes endpoints on Starlette and a raw driver, nothing in between.

It serves the generated service's contract for the three benchmarked requests on the
same `notes` table (built by the generated project's migrations):

- `GET /notes/{id}`: 200 with `{"id", "text", "completed"}`, or 404 `{"detail": ...}`;
- `GET /notes?limit=&offset=`: 200 with a list of those, ordered by id;
- `POST /notes`: 201 with the new note and a `Location` header; bad JSON or a bad body
  is a 422.

`FLOOR_DATABASE_URL` picks the driver: a `postgresql://` URL uses an asyncpg pool, a
`mysql://` URL an asyncmy pool, a `sqlite:///<path>` URL aiosqlite connections, one
that writes and a pool that reads; a driver in the scheme (`postgresql+asyncpg://`) is
allowed. `FLOOR_POOL_SIZE` sizes the pool (default 10, asyncpg's own default), and
`FLOOR_SYNCHRONOUS` is SQLite's `synchronous`, `FULL` (the default) or `NORMAL`.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TEXT_MAX_LENGTH = 500
LIMIT_MAX = 100
ID_MAX = 2**31 - 1
OFFSET_MAX = 2**63 - 1
DEFAULT_POOL_SIZE = 10
# SQLite's `synchronous` on every connection: FULL syncs the log at each commit, as the
# generated services do by default (DATABASE_SYNCHRONOUS); NORMAL only at checkpoints.
SYNCHRONOUS = ("FULL", "NORMAL")
DEFAULT_SYNCHRONOUS = "FULL"


class Store(Protocol):
    async def get(self, note_id: int) -> dict[str, Any] | None: ...
    async def page(self, limit: int, offset: int) -> list[dict[str, Any]]: ...
    async def create(self, text: str, completed: bool) -> dict[str, Any]: ...
    async def close(self) -> None: ...


class PostgresStore:
    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str, size: int) -> PostgresStore:
        import asyncpg

        return cls(await asyncpg.create_pool(url, min_size=size, max_size=size))

    async def get(self, note_id: int) -> dict[str, Any] | None:
        row = await self.pool.fetchrow(
            "SELECT id, text, completed FROM notes WHERE id = $1", note_id
        )
        return None if row is None else dict(row)

    async def page(self, limit: int, offset: int) -> list[dict[str, Any]]:
        rows = await self.pool.fetch(
            "SELECT id, text, completed FROM notes ORDER BY id LIMIT $1 OFFSET $2", limit, offset
        )
        return [dict(row) for row in rows]

    async def create(self, text: str, completed: bool) -> dict[str, Any]:
        # One statement in autocommit: committed before the row is returned.
        row = await self.pool.fetchrow(
            "INSERT INTO notes (text, completed) VALUES ($1, $2) RETURNING id, text, completed",
            text,
            completed,
        )
        return dict(row)

    async def close(self) -> None:
        await self.pool.close()


class MysqlStore:
    """An asyncmy pool in autocommit: each statement commits on its own."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str, size: int) -> MysqlStore:
        import asyncmy

        server = urlsplit(url)
        pool = await asyncmy.create_pool(
            host=server.hostname,
            port=server.port or 3306,
            user=unquote(server.username or "root"),
            password=unquote(server.password or ""),
            database=server.path.lstrip("/"),
            charset="utf8mb4",
            autocommit=True,
            minsize=size,
            maxsize=size,
        )
        return cls(pool)

    async def rows(self, sql: str, *args: Any) -> list[Any]:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(sql, args)
            return list(await cursor.fetchall())

    async def get(self, note_id: int) -> dict[str, Any] | None:
        rows = await self.rows("SELECT id, text, completed FROM notes WHERE id = %s", note_id)
        return as_note(rows[0]) if rows else None

    async def page(self, limit: int, offset: int) -> list[dict[str, Any]]:
        rows = await self.rows(
            "SELECT id, text, completed FROM notes ORDER BY id LIMIT %s OFFSET %s", limit, offset
        )
        return [as_note(row) for row in rows]

    async def create(self, text: str, completed: bool) -> dict[str, Any]:
        # No RETURNING on MySQL: the new id comes back with the INSERT's answer.
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(
                "INSERT INTO notes (text, completed) VALUES (%s, %s)", (text, completed)
            )
            note_id = cursor.lastrowid
        return {"id": note_id, "text": text, "completed": completed}

    async def close(self) -> None:
        self.pool.close()
        await self.pool.wait_closed()


class SqliteStore:
    """SQLite as a write load needs it: reads on a few connections, writes on one, in turn.

    Every connection works in WAL mode, so that readers never wait for the writer, with
    the same `synchronous`. Writers queue on an asyncio.Lock, which wakes them in the
    order they came, instead of sleeping in SQLite's busy handler, which retries at
    intervals rather than in turn; each write is a transaction begun with BEGIN
    IMMEDIATE, which takes SQLite's write lock at once, as the generated services do.
    """

    def __init__(self, writer: Any, readers: Sequence[Any]) -> None:
        self.writer = writer
        self.write_turn = asyncio.Lock()
        self.readers = list(readers)
        self.idle: asyncio.Queue[Any] = asyncio.Queue()
        for reader in readers:
            self.idle.put_nowait(reader)

    @classmethod
    async def open(cls, path: str, readers: int, synchronous: str) -> SqliteStore:
        if synchronous not in SYNCHRONOUS:
            raise ValueError(f"FLOOR_SYNCHRONOUS must be one of {SYNCHRONOUS}, not {synchronous}")
        writer = await sqlite_connection(path, synchronous)
        return cls(writer, [await sqlite_connection(path, synchronous) for _ in range(readers)])

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[Any]:
        connection = await self.idle.get()
        try:
            yield connection
        finally:
            self.idle.put_nowait(connection)

    async def get(self, note_id: int) -> dict[str, Any] | None:
        async with self.reader() as db:
            rows = await db.execute_fetchall(
                "SELECT id, text, completed FROM notes WHERE id = ?", (note_id,)
            )
        return as_note(rows[0]) if rows else None

    async def page(self, limit: int, offset: int) -> list[dict[str, Any]]:
        async with self.reader() as db:
            rows = await db.execute_fetchall(
                "SELECT id, text, completed FROM notes ORDER BY id LIMIT ? OFFSET ?",
                (limit, offset),
            )
        return [as_note(row) for row in rows]

    async def create(self, text: str, completed: bool) -> dict[str, Any]:
        async with self.write_turn:
            await self.writer.execute("BEGIN IMMEDIATE")
            try:
                (row,) = await self.writer.execute_fetchall(
                    "INSERT INTO notes (text, completed) VALUES (?, ?) "
                    "RETURNING id, text, completed",
                    (text, completed),
                )
            except BaseException:
                # The one write connection must not stay inside a failed transaction.
                await self.writer.execute("ROLLBACK")
                raise
            await self.writer.execute("COMMIT")
        return as_note(row)

    async def close(self) -> None:
        for connection in [self.writer, *self.readers]:
            await connection.close()


async def sqlite_connection(path: str, synchronous: str) -> Any:
    import aiosqlite

    # Transactions are begun here (isolation_level=None): sqlite3 would begin them
    # DEFERRED, and only before a write.
    connection = await aiosqlite.connect(path, isolation_level=None)
    await connection.execute("PRAGMA journal_mode = WAL")
    await connection.execute(f"PRAGMA synchronous = {synchronous}")
    return connection


def as_note(row: Sequence[Any]) -> dict[str, Any]:
    note_id, text, completed = row
    return {"id": note_id, "text": text, "completed": bool(completed)}


async def open_store(url: str, size: int, synchronous: str) -> Store:
    scheme, _, rest = url.partition("://")
    dialect = scheme.partition("+")[0]
    if dialect in ("postgres", "postgresql"):
        return await PostgresStore.open(f"postgresql://{rest}", size)
    if dialect in ("mysql", "mariadb"):
        return await MysqlStore.open(url, size)
    if dialect == "sqlite":
        return await SqliteStore.open(rest.removeprefix("/"), size, synchronous)
    raise ValueError(f"FLOOR_DATABASE_URL: unsupported scheme {scheme!r}")


def unprocessable(message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=422)


def bounded_int(raw: str | None, default: int, low: int, high: int) -> int | None:
    """The integer in `raw` if it lies in [low, high], `default` if absent, else None."""
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


def new_note(body: object) -> tuple[str, bool] | None:
    """(text, completed) from a POST body, or None when it breaks the schema."""
    if not isinstance(body, dict) or not set(body) <= {"text", "completed"}:
        return None
    text, completed = body.get("text"), body.get("completed", False)
    if not isinstance(text, str) or not 1 <= len(text) <= TEXT_MAX_LENGTH or "\x00" in text:
        return None
    if not isinstance(completed, bool):
        return None
    return text, completed


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def read_note(request: Request) -> JSONResponse:
    note_id = bounded_int(request.path_params["note_id"], 0, 1, ID_MAX)
    if note_id is None:
        return unprocessable("note id must be an integer from 1 to 2**31 - 1")
    note = await store_of(request).get(note_id)
    if note is None:
        return JSONResponse({"detail": "Note not found"}, status_code=404)
    return JSONResponse(note)


async def list_notes(request: Request) -> JSONResponse:
    limit = bounded_int(request.query_params.get("limit"), 50, 1, LIMIT_MAX)
    offset = bounded_int(request.query_params.get("offset"), 0, 0, OFFSET_MAX)
    if limit is None or offset is None:
        return unprocessable("limit must be 1 to 100 and offset at least 0")
    return JSONResponse(await store_of(request).page(limit, offset))


async def create_note(request: Request) -> JSONResponse:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return unprocessable("body is not JSON")
    fields = new_note(body)
    if fields is None:
        return unprocessable("body must be {text: 1 to 500 characters, completed?: bool}")
    note = await store_of(request).create(*fields)
    location = str(request.url_for("read_note", note_id=note["id"]))
    return JSONResponse(note, status_code=201, headers={"Location": location})


def create_app(
    url: str, pool_size: int = DEFAULT_POOL_SIZE, synchronous: str = DEFAULT_SYNCHRONOUS
) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.store = await open_store(url, pool_size, synchronous)
        try:
            yield
        finally:
            await app.state.store.close()

    routes = [
        Route("/notes", list_notes, methods=["GET"]),
        Route("/notes", create_note, methods=["POST"]),
        Route("/notes/{note_id}", read_note, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def app_from_environment() -> Starlette:
    """What uvicorn serves: `uvicorn --factory floor:app_from_environment`."""
    return create_app(
        os.environ["FLOOR_DATABASE_URL"],
        int(os.environ.get("FLOOR_POOL_SIZE", DEFAULT_POOL_SIZE)),
        os.environ.get("FLOOR_SYNCHRONOUS", DEFAULT_SYNCHRONOUS),
    )
