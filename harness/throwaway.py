"""What a throwaway database server needs whatever the server: a folder its server user
owns, its programs run as that user, and the error when no server can be had."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .commands import run


class NoServer(Exception):
    """No server URL was given and no server programs were found."""


@contextmanager
def server_folder(user: str) -> Iterator[Path]:
    """A new folder the server user owns, deleted afterwards.

    Not under pytest's temp folder: the server user must be able to reach it.
    """
    root = Path(tempfile.mkdtemp(prefix=f"template-{user}-"))
    if os.geteuid() == 0:
        shutil.chown(root, user)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_as(user: str, command: list[str]) -> None:
    """Run a server program quietly; database servers refuse to run as root."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", user, "--", *command]
    run(command)
