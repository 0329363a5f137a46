"""The developer tooling of a baked, installed project: its Makefile and pre-commit hooks."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from .readmes import readme_commands

Run = Callable[[str, Path, dict[str, str]], str]


def check_make_lint(run: Run, project: Path, env: dict[str, str]) -> None:
    """`make lint` works in the project's environment.

    The other targets are checked without running them (tests/test_tooling.py): each
    runs exactly README commands that the variant tests run themselves.
    """
    lint = run("make lint", project, env)
    assert "All checks passed!" in lint and "Success: no issues found" in lint, lint


def check_pre_commit_hooks(run: Run, project: Path, env: dict[str, str], home: Path) -> None:
    """The README's pre-commit commands pass on the fresh project and change nothing."""
    # pre-commit keeps its cache in PRE_COMMIT_HOME; the local hooks install nothing there.
    env = {**env, "PRE_COMMIT_HOME": str(home)}
    run("git init --quiet && git add --all", project, env)
    output = ""
    for command in readme_commands(project, "Pre-commit hooks"):
        output += run(command, project, env)
    for hook in ("ruff check", "ruff format", "mypy"):
        assert re.search(rf"^{hook}\.+Passed$", output, re.M), output
    assert (project / ".git/hooks/pre-commit").is_file()
    # The hooks fixed and reformatted nothing.
    changed = run("git diff --name-only", project, env)
    assert changed == "", changed
