"""Installing a baked project into a virtualenv of its own and running its commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .commands import run as run
from .servers import URL_VARIABLES

# Settings of the shell the tests run in that must not leak into a project's run.
PROJECT_VARIABLES = (
    "DATABASE_URL",
    *URL_VARIABLES,
    "PYTHONPATH",
    "VIRTUAL_ENV",
    "PYTHONHOME",
)


def project_environment(venv: Path, extra: dict[str, str]) -> dict[str, str]:
    """This shell's environment as it is after activating the project's virtualenv."""
    inherited = {k: v for k, v in os.environ.items() if k not in PROJECT_VARIABLES}
    return {
        **inherited,
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        **extra,
    }


UV = [sys.executable, "-m", "uv"]


def install_with_uv(project: Path, venv: Path, env: dict[str, str], *requirements: str) -> None:
    """Install into a new virtualenv, from uv's package cache; by default what the
    README's `pip install -e ".[dev]"` installs."""
    python = str(venv / "bin" / "python")
    run([*UV, "venv", "--quiet", "--python", sys.executable, str(venv)], project, env)
    wanted = list(requirements) or ["-e", ".[dev]"]
    run([*UV, "pip", "install", "--quiet", "--python", python, *wanted], project, env)


def check_requirements_met(project: Path, venv: Path, env: dict[str, str]) -> None:
    """Every package installed in the virtualenv has what it requires, as `pip check`
    would say; CommandFailed names the conflicts."""
    run([*UV, "pip", "check", "--python", str(venv / "bin" / "python")], project, env)
