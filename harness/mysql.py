"""A MySQL-family server for the MySQL variants: the one in TEST_MYSQL_URL, or a throwaway
MariaDB server on a free loopback port."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from .serving import free_port
from .throwaway import NoServer, server_folder

SERVER_URL_VARIABLE = "TEST_MYSQL_URL"
# The server user is root, as in a new server from Debian's packages; MariaDB refuses to
# run as root unless told to with --user=root.
ADMIN_USER = "root"
# Emoji need utf8mb4; the server's default character set is latin1.
CHARACTER_SET = "utf8mb4"
START_TIMEOUT = 60


def find_programs() -> tuple[str, str] | None:
    """The server and the program that creates its data folder, if installed."""
    server = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin")
    install = shutil.which("mariadb-install-db")
    return (server, install) if server and install else None


def client_command(url: str, database: str | None = None) -> list[str]:
    """The `mariadb` client for the URL's user and database (or `database`); it takes the
    server from client_environment(url)."""
    parts = urlsplit(url)
    name = database or parts.path.lstrip("/")
    user = unquote(parts.username or ADMIN_USER)
    command = ["mariadb", "--no-defaults", f"--user={user}", "--batch", "--skip-column-names"]
    return [*command, name] if name else command


def client(url: str, sql: str, *, database: str | None = None) -> str:
    """Run SQL with the `mariadb` command-line client; what it printed, tab-separated."""
    command = [*client_command(url, database), "-e", sql]
    result = subprocess.run(
        command, env={**os.environ, **client_environment(url)}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"mariadb -e {sql!r} failed: {result.stderr}")
    return result.stdout.strip()


class Server:
    """A MariaDB server of our own on loopback, which tests may stop and start again."""

    def __init__(self, programs: tuple[str, str], root: Path) -> None:
        self.port = free_port()
        self.url = f"mysql://{ADMIN_USER}@127.0.0.1:{self.port}/mysql"
        self._root = root
        server, install = programs
        data = root / "data"
        as_root = ["--user=root"] if os.geteuid() == 0 else []
        run(
            [
                install,
                "--no-defaults",
                f"--datadir={data}",
                *as_root,
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ]
        )
        self._command = [
            server,
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={root / 'mysqld.sock'}",
            f"--pid-file={root / 'mysqld.pid'}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            *as_root,
            "--skip-name-resolve",
            f"--character-set-server={CHARACTER_SET}",
            # A throwaway server: durability is not what the tests measure.
            "--innodb-flush-log-at-trx-commit=2",
            "--sync-binlog=0",
        ]
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None

    def start(self) -> None:
        log = (self._root / "server.log").open("ab")
        self._process = subprocess.Popen(self._command, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self._process.poll() is not None:
                log_text = (self._root / "server.log").read_text(errors="replace")
                self._process = None
                raise RuntimeError(f"mariadbd exited at start:\n{log_text[-4000:]}")
            try:
                client(self.url, "SELECT 1")
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        """A normal shutdown: connections are closed and their transactions rolled back."""
        if self._process is not None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait(timeout=60)
            self._process = None


def run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


@contextmanager
def throwaway_server() -> Iterator[Server]:
    """Start a new MariaDB server, yield it, then stop it and delete its files."""
    programs = find_programs()
    if programs is None:
        raise NoServer(
            "no MariaDB server found: install one "
            "(apt-get install mariadb-server-core mariadb-client-core) "
            f"or set {SERVER_URL_VARIABLE} to a server URL"
        )
    with server_folder(ADMIN_USER) as root:
        server = Server(programs, root)
        server.start()
        try:
            yield server
        finally:
            server.stop()


@contextmanager
def mysql_server() -> Iterator[str]:
    """The admin URL of the server named in TEST_MYSQL_URL, else of a throwaway server."""
    url = os.environ.get(SERVER_URL_VARIABLE)
    if url:
        yield url
        return
    with throwaway_server() as server:
        yield server.url


def client_environment(server_url: str) -> dict[str, str]:
    """The `mysql` client's variables for the server (the user is the client's own)."""
    server = urlsplit(server_url)
    variables = {
        "MYSQL_HOST": server.hostname or "127.0.0.1",
        "MYSQL_TCP_PORT": str(server.port or 3306),
    }
    if server.password:
        variables["MYSQL_PWD"] = unquote(server.password)
    return variables


def mysql_client_environment(server_url: str, database: str) -> dict[str, str]:
    """The `mysql` client's variables for the server, and the app's URL for `database`."""
    server = urlsplit(server_url)
    return {
        **client_environment(server_url),
        "DATABASE_URL": urlunsplit(server._replace(path=f"/{database}")),
    }
