"""Running a program to its end: what it printed, or an error that shows it."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


class CommandFailed(RuntimeError):
    """A command exited non-zero; the message holds what it printed."""


def finished(
    command: str | Sequence[str],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a program to its end, whatever its exit status (a string runs in bash, failing
    on any error), with `stdin` as its input; its status and what it printed."""
    argv = ["bash", "-euo", "pipefail", "-c", command] if isinstance(command, str) else command
    return subprocess.run(
        list(argv), cwd=cwd, env=env, input=stdin, capture_output=True, text=True, check=False
    )


def run(
    command: str | Sequence[str],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run a program that must succeed; its standard output."""
    result = finished(command, cwd, env)
    if result.returncode != 0:
        shown = command if isinstance(command, str) else " ".join(command)
        raise CommandFailed(f"{shown} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout
