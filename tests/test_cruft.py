"""Generated projects follow the template's changes with cruft, as the README tells forks."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from harness.baking import TEMPLATE
from harness.commands import CommandFailed
from harness.commands import run as run_command

from .readmes import console_blocks
from .test_readme import clone

CHANGE = "\n# Added to the template after the project was created\nscratch/\n"

# Commits need an identity; these keep the test independent of the machine's git config.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "template-test@example.com",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "template-test@example.com",
}


def run(*command: str | Path, cwd: Path) -> str:
    """Run git or cruft (this Python's) with the test's git identity; what it printed."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, **GIT_IDENTITY, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return run_command([str(part) for part in command], cwd, env)


def commit(repository: Path, message: str) -> str:
    run("git", "add", "--all", cwd=repository)
    run("git", "commit", "--quiet", "-m", message, cwd=repository)
    return run("git", "rev-parse", "HEAD", cwd=repository).strip()


def test_cruft_reports_and_applies_a_template_change(tmp_path: Path) -> None:
    template = clone(tmp_path / "template")
    run("git", "init", "--quiet", "--initial-branch=main", cwd=template)
    first = commit(template, "template as it is")

    run("cruft", "create", template, "--no-input", "--output-dir", tmp_path, cwd=tmp_path)
    project = tmp_path / "notes-service"
    recorded = json.loads((project / ".cruft.json").read_text())
    assert recorded["commit"] == first
    assert recorded["context"]["cookiecutter"]["backend"] == "orm"
    # cruft update applies a diff with git, so the project is a repository with a clean tree.
    run("git", "init", "--quiet", "--initial-branch=main", cwd=project)
    commit(project, "project as created")
    run("cruft", "check", cwd=project)

    gitignore = "{{cookiecutter.project_slug}}/.gitignore"
    with (template / gitignore).open("a") as file:
        file.write(CHANGE)
    second = commit(template, "ignore scratch/ in generated projects")

    with pytest.raises(CommandFailed, match="out of date"):
        run("cruft", "check", cwd=project)

    run("cruft", "update", "--skip-apply-ask", cwd=project)
    assert (project / ".gitignore").read_text().endswith(CHANGE)
    assert json.loads((project / ".cruft.json").read_text())["commit"] == second
    # Only the changed file and cruft's record changed; nothing was left half-applied.
    changed = run("git", "status", "--porcelain", cwd=project).split("\n")
    assert sorted(line[3:] for line in changed if line) == [".cruft.json", ".gitignore"]
    assert not list(project.rglob("*.rej"))
    run("cruft", "check", cwd=project)


def test_readme_shows_the_cruft_round_trip_this_test_runs() -> None:
    (block,) = console_blocks(
        (TEMPLATE / "README.md").read_text(), "Keep generated services up to date"
    )
    commands = [line.split()[:2] for line in block.splitlines() if line.startswith("cruft ")]
    assert commands == [["cruft", "create"], ["cruft", "check"], ["cruft", "update"]]
    assert "git commit" in block  # cruft update needs the project in git
