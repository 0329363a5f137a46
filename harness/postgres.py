"""PostgreSQL for the PostgreSQL variants: a throwaway cluster on a free loopback port, and
what the tests and the benchmark do with a database on a server."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .commands import run
from .serving import free_port
from .throwaway import NoServer, run_as, server_folder

SERVER_USER = "postgres"
# How long a test waits for sessions to queue behind a lock it holds.
LOCK_WAIT_TIMEOUT = 60
MAX_CONNECTIONS = 500


def find_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, else the newest Debian install."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major_version)
    return Path(candidates[-1]).parent if candidates else None


def _major_version(pg_ctl: str) -> int:
    return int(Path(pg_ctl).parts[-3])


class Cluster:
    """A PostgreSQL cluster of our own, which tests may stop and start again."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        data = root / "data"
        run_as(
            SERVER_USER, [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        )
        self._pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log")]
        # Room for every variant's tests at once, each with its own pools (the default is 100).
        self._options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {root} -c fsync=off"
            f" -c max_connections={MAX_CONNECTIONS}"
        )
        self.running = False

    def start(self) -> None:
        run_as(SERVER_USER, [*self._pg_ctl, "-o", self._options, "-w", "start"])
        self.running = True

    def stop(self) -> None:
        """A fast shutdown: sessions are ended and their transactions rolled back."""
        if self.running:
            run_as(SERVER_USER, [*self._pg_ctl, "-m", "fast", "-w", "stop"])
            self.running = False


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """Start a new cluster, yield it, then stop it and delete its files."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise NoServer("no PostgreSQL server found")
    with server_folder(SERVER_USER) as root:
        cluster = Cluster(bin_dir, root)
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop()


def postgres_client_environment(server_url: str, database: str) -> dict[str, str]:
    """libpq's variables for `createdb`, and the app's URL for `database`."""
    server = urlsplit(server_url)
    variables = {
        "PGHOST": server.hostname or "127.0.0.1",
        "PGPORT": str(server.port or 5432),
        "PGUSER": server.username or "postgres",
        "DATABASE_URL": urlunsplit(server._replace(path=f"/{database}")),
    }
    if server.password:
        variables["PGPASSWORD"] = server.password
    return variables


# What the tests and the benchmark do with a database on the server. The same functions,
# with the same meaning, are in mysql.py and sqlite.py; databases.py finds them by the
# variant's `database` answer.

# The key of the server in servers.SERVERS, and of the pooler that may stand in front.
SERVER = "postgres"
POOLER: str | None = "pgbouncer"
# The connection pools the service reports in its metrics.
POOL_NAMES = frozenset({"connections"})
# The generated README's section that points the service at a new database.
README_SECTION: str | None = "Point it at PostgreSQL"


def readme_environment(server_url: str, name: str) -> dict[str, str]:
    """What the README's section needs to run against the server: its client's settings."""
    return postgres_client_environment(server_url, name)


def create_database(server_url: str, name: str) -> str:
    """Create `name` on the server with `createdb`; its URL, which the app switches to
    asyncpg itself."""
    client = postgres_client_environment(server_url, name)
    run(["createdb", name], env={**os.environ, **client})
    return client["DATABASE_URL"]


def drop_database(server_url: str, name: str) -> None:
    client = postgres_client_environment(server_url, name)
    run(["dropdb", "--if-exists", "--force", name], env={**os.environ, **client})


def query(database_url: str, sql: str) -> str:
    """Run SQL with `psql`; what it printed, unaligned."""
    return run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", database_url, "-c", sql]).strip()


def count_notes(database_url: str) -> int:
    return int(query(database_url, "SELECT count(*) FROM notes"))


@contextmanager
def notes_locked(database_url: str) -> Iterator[Callable[[int], None]]:
    """Hold a lock that keeps writers of the notes table waiting, in a `psql` session;
    yield a wait until that many sessions wait for it."""
    locker = subprocess.Popen(
        ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", database_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert locker.stdin and locker.stdout
    locker.stdin.write("BEGIN;\nLOCK TABLE notes IN EXCLUSIVE MODE;\nSELECT 'locked';\n")
    locker.stdin.flush()
    if locker.stdout.readline().strip() != "locked":
        raise RuntimeError("psql did not take the lock on notes")

    def wait_for_waiters(count: int) -> None:
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        deadline = time.monotonic() + LOCK_WAIT_TIMEOUT
        while int(query(database_url, waiting)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError("the sessions never reached the lock")
            time.sleep(0.05)

    try:
        yield wait_for_waiters
    finally:
        locker.stdin.write("COMMIT;\n")
        locker.stdin.close()
        locker.wait(timeout=30)


@contextmanager
def own_server() -> Iterator[Cluster]:
    """A throwaway cluster that its user alone may stop and start again."""
    with throwaway_cluster() as cluster:
        yield cluster


def with_password(server: Cluster, database_url: str, password: str) -> str:
    """The URL of the database as a user whose password is `password`. Trust
    authentication ignores it: it is there to be searched for in what the service logs."""
    return database_url.replace("postgres@", f"postgres:{password}@")
