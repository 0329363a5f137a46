"""Each bake's Makefile and pre-commit configuration, checked without running them.

Running them is tests/test_variants.py's job (through tests/tooling.py).
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import yaml

from harness.baking import Bake
from harness.commands import finished

from .readmes import readme_commands


def make_dry_run(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return finished(["make", "--dry-run", "--no-print-directory", *arguments], project)


def test_make_targets_run_exactly_the_readme_commands(baked: Bake) -> None:
    readme = (baked.path / "README.md").read_text()
    section = readme.split("\n## Make targets\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `make ([^`]*)` \| (.*) \|$", section, re.M)
    sqlite = baked.answers["database"] == "sqlite"
    targets = ["install", "migrate", "revision", "run", "test", "lint", *["backup"] * sqlite]
    assert [row[0].split()[0] for row in rows] == targets
    sections = ["Install", "Migrate", "Run", "Test", *["Back up the database"] * sqlite]
    documented = {line for name in sections for line in readme_commands(baked.path, name)}
    for arguments, listed in rows:
        result = make_dry_run(baked.path, *shlex.split(arguments))
        assert result.returncode == 0, result.stderr
        commands = result.stdout.splitlines()
        assert commands == re.findall(r"`([^`]*)`", listed)
        assert set(commands) <= documented, set(commands) - documented
    # "Add a resource" checks its result with targets from this table.
    listed_targets = {row[0].split()[0] for row in rows}
    for line in readme_commands(baked.path, "Add a resource"):
        assert line.removeprefix("make ") in listed_targets, line
    missing_message = make_dry_run(baked.path, "revision")
    assert missing_message.returncode != 0
    assert 'make revision m="describe the change"' in missing_message.stderr


def test_pre_commit_hooks_are_the_projects_own_tools(baked: Bake) -> None:
    config = yaml.safe_load((baked.path / ".pre-commit-config.yaml").read_text())
    (repo,) = config["repos"]
    assert repo["repo"] == "local"  # no clone from GitHub: the project's installed tools
    entries = {hook["id"]: hook["entry"] for hook in repo["hooks"]}
    assert entries == {
        "ruff-check": "ruff check --fix",
        "ruff-format": "ruff format",
        "mypy": "mypy",
    }
    assert {hook["language"] for hook in repo["hooks"]} == {"system"}
