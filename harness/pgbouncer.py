"""A throwaway PgBouncer in transaction pooling mode, in front of a PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .serving import free_port
from .throwaway import NoServer, server_folder

# PgBouncer refuses to run as root; it runs as the PostgreSQL server's user.
SERVER_USER = "postgres"
# Server connections per database and user: fewer than the clients of the tests
# and than one service's pool, so that clients wait for a server connection and
# each transaction may run on another one.
POOL_SIZE = 4


def find_program() -> str | None:
    return shutil.which("pgbouncer") or shutil.which("/usr/sbin/pgbouncer")


@contextmanager
def pgbouncer(server_url: str, pool_size: int = POOL_SIZE) -> Iterator[str]:
    """Start PgBouncer on a free loopback port in front of `server_url`; yield the same
    URL through it. Every database of the server is reachable under its own name."""
    program = find_program()
    if program is None:
        raise NoServer("no PgBouncer found")
    server = urlsplit(server_url)
    user = server.username or "postgres"
    port = free_port()
    with server_folder(SERVER_USER) as root:
        config = root / "pgbouncer.ini"
        # Clients are trusted, but must be listed; PgBouncer logs in to the server
        # with the password listed, if the server asks for one.
        (root / "users.txt").write_text(f'"{user}" "{server.password or ""}"\n')
        config.write_text(
            f"""[databases]
* = host={server.hostname or "127.0.0.1"} port={server.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir = {root}
auth_type = trust
auth_file = {root / "users.txt"}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 2000
; A failed login to the server (while a test restarts it) blocks new ones this long.
server_login_retry = 1
logfile = {root / "pgbouncer.log"}
"""
        )
        command = [program, "-q", str(config)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_until_listening(process, port, root / "pgbouncer.log")
            login = f"{user}:{server.password}" if server.password else user
            yield urlunsplit(server._replace(netloc=f"{login}@127.0.0.1:{port}"))
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stderr.read().decode() if process.stderr else ""
            shown = log.read_text() if log.exists() else ""
            raise RuntimeError(f"pgbouncer exited:\n{output}{shown}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"pgbouncer did not listen on port {port} within 30 s")
