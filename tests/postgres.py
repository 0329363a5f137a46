"""A throwaway PostgreSQL cluster on a free loopback port, for the PostgreSQL variants."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .serving import free_port

SERVER_URL_VARIABLE = "TEST_POSTGRES_URL"


class NoServer(Exception):
    """No server URL was given and no PostgreSQL server binaries were found."""


def find_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, else the newest Debian install."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major_version)
    return Path(candidates[-1]).parent if candidates else None


def _major_version(pg_ctl: str) -> int:
    return int(Path(pg_ctl).parts[-3])


def _as_server_user(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Cluster:
    """A PostgreSQL cluster of our own, which tests may stop and start again."""

    def __init__(self, bin_dir: Path, root: Path) -> None:
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        data = root / "data"
        _run_quietly([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"])
        self._pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log")]
        self._options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {root} -c fsync=off"
        self.running = False

    def start(self) -> None:
        _run_quietly([*self._pg_ctl, "-o", self._options, "-w", "start"])
        self.running = True

    def stop(self) -> None:
        """A fast shutdown: sessions are ended and their transactions rolled back."""
        if self.running:
            _run_quietly([*self._pg_ctl, "-m", "fast", "-w", "stop"])
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
    # Not under pytest's temp folder: the server user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="template-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    try:
        cluster = Cluster(bin_dir, root)
        cluster.start()
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _run_quietly(command: list[str]) -> None:
    result = subprocess.run(_as_server_user(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


@contextmanager
def postgres_server() -> Iterator[str]:
    """The server named in TEST_POSTGRES_URL, else a throwaway cluster."""
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
