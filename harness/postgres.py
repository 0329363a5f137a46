"""A PostgreSQL server for the PostgreSQL variants: the one in TEST_POSTGRES_URL, or a
throwaway cluster on a free loopback port."""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .serving import free_port
from .throwaway import NoServer, run_as, server_folder

SERVER_URL_VARIABLE = "TEST_POSTGRES_URL"
SERVER_USER = "postgres"


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
        self._options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {root} -c fsync=off"
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
        raise NoServer(
            f"no PostgreSQL server found: install one (apt-get install postgresql) "
            f"or set {SERVER_URL_VARIABLE} to a server URL"
        )
    with server_folder(SERVER_USER) as root:
        cluster = Cluster(bin_dir, root)
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop()


@contextmanager
def postgres_server() -> Iterator[str]:
    """The admin URL of the server named in TEST_POSTGRES_URL, else of a throwaway cluster."""
    url = os.environ.get(SERVER_URL_VARIABLE)
    if url:
        yield url
        return
    with throwaway_cluster() as cluster:
        yield cluster.url


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
