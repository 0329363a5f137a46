"""The README's commands are the ones the project has."""

import re
from pathlib import Path

PROJECT = Path(__file__).parents[1]


def section(title: str) -> str:
    readme = (PROJECT / "README.md").read_text()
    return readme.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_add_a_resource_uses_the_makefiles_targets() -> None:
    targets = set(re.findall(r"^([a-z]+):", (PROJECT / "Makefile").read_text(), re.M))
    used = re.findall(r"\bmake ([a-z]+)", section("Add a resource"))
    assert {"revision", "migrate", "lint", "test"} <= set(used)
    assert set(used) <= targets, set(used) - targets
