"""MySQL for the MySQL variants: a throwaway MariaDB server on a free loopback port, and
what the tests and the benchmark do with a database on a server."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from .commands import run
from .serving import free_port
from .throwaway import NoServer, server_folder

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
    return run(command, env={**os.environ, **client_environment(url)}).strip()


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


@contextmanager
def throwaway_server() -> Iterator[Server]:
    """Start a new MariaDB server, yield it, then stop it and delete its files."""
    programs = find_programs()
    if programs is None:
        raise NoServer("no MariaDB server found")
    with server_folder(ADMIN_USER) as root:
        server = Server(programs, root)
        server.start()
        try:
            yield server
        finally:
            server.stop()


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


# What the tests and the benchmark do with a database on the server; the same functions
# as in postgres.py and sqlite.py.

SERVER = "mysql"
POOLER: str | None = None
POOL_NAMES = frozenset({"connections"})
# The generated README's section that points the service at a new database.
README_SECTION: str | None = "Point it at MySQL"


def readme_environment(server_url: str, name: str) -> dict[str, str]:
    """What the README's section needs to run against the server: its client's settings."""
    return mysql_client_environment(server_url, name)


# As the generated README creates a database: utf8mb4, binary NO PAD (MariaDB's name).
CREATE_DATABASE = "CREATE DATABASE `{}` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"
LOCK_WAIT_TIMEOUT = 60


def database_url(server_url: str, name: str) -> str:
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def create_database(server_url: str, name: str) -> str:
    """Create `name` on the server as the generated README does; its URL (mysql://)."""
    client(server_url, CREATE_DATABASE.format(name))
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    client(server_url, f"DROP DATABASE IF EXISTS `{name}`")


def query(database_url: str, sql: str) -> str:
    return client(database_url, sql)


def count_notes(database_url: str) -> int:
    return int(client(database_url, "SELECT count(*) FROM notes"))


@contextmanager
def notes_locked(database_url: str) -> Iterator[Callable[[int], None]]:
    """LOCK TABLES ... WRITE in a client session: other sessions' statements on the
    table wait for its metadata lock. Yields a wait until that many sessions wait."""
    locker = subprocess.Popen(
        [*client_command(database_url), "--unbuffered"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, **client_environment(database_url)},
        text=True,
    )
    assert locker.stdin and locker.stdout
    locker.stdin.write("LOCK TABLES notes WRITE;\nSELECT 'locked';\n")
    locker.stdin.flush()
    if locker.stdout.readline().strip() != "locked":
        raise RuntimeError("mariadb did not take the lock on notes")

    def wait_for_waiters(count: int) -> None:
        waiting = (
            "SELECT count(*) FROM information_schema.processlist"
            " WHERE state = 'Waiting for table metadata lock'"
        )
        deadline = time.monotonic() + LOCK_WAIT_TIMEOUT
        while int(client(database_url, waiting)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError("the sessions never reached the lock")
            time.sleep(0.05)

    try:
        yield wait_for_waiters
    finally:
        locker.stdin.write("UNLOCK TABLES;\n")
        locker.stdin.close()
        locker.wait(timeout=30)


@contextmanager
def own_server() -> Iterator[Server]:
    """A throwaway server that its user alone may stop and start again."""
    with throwaway_server() as server:
        yield server


def with_password(server: Server, database_url: str, password: str) -> str:
    """The URL of the database as a user of its own, whose password the server checks."""
    name = urlsplit(database_url).path.lstrip("/")
    client(
        server.url,
        f"CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY '{password}';"
        f" GRANT ALL ON `{name}`.* TO 'app'@'127.0.0.1'",
    )
    return database_url.replace(f"{ADMIN_USER}@", f"app:{password}@")
