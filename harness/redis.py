"""A throwaway Redis server on a free loopback port, for the variants with accounts, which
count login attempts in it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .serving import free_port
from .throwaway import NoServer

START_TIMEOUT = 30


def answers_ping(port: int) -> bool:
    """Whether a Redis server answers PING on the loopback port (RESP, no client library)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def find_program() -> str | None:
    return shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin")


@contextmanager
def throwaway_server() -> Iterator[str]:
    """Start a Redis server that keeps nothing on disk, yield its URL, then stop it."""
    program = find_program()
    if program is None:
        raise NoServer("no Redis server found")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="template-redis-") as root:
        log = Path(root) / "server.log"
        command = [
            program,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--dir", root,
            # A throwaway server: counts live in memory only.
            "--save", "",
            "--appendonly", "no",
            "--logfile", str(log),
        ]  # fmt: skip
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not answers_ping(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    text = log.read_text(errors="replace") if log.exists() else ""
                    raise RuntimeError(f"redis-server did not start:\n{text[-4000:]}")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=30)
