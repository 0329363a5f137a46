"""Running a program to its end: what it printed, or an error that shows it."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


class CommandFailed(RuntimeError):
    """A command exited non-zero; the message holds what it printed."""


def run(
    command: str | Sequence[str],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run a program (a string runs in bash, failing on any error); its standard output."""
    if isinstance(command, str):
        argv, shown = ["bash", "-euo", "pipefail", "-c", command], command
    else:
        argv, shown = list(command), " ".join(command)
    result = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandFailed(f"{shown} failed:\n{result.stdout}\n{result.stderr}")
    output: str = result.stdout
    return output
