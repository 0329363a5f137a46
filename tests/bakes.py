"""Baking the template with pytest-cookies, and the files and dependencies a bake must have."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from harness.baking import TEMPLATE, Bake
from hooks import post_gen_project as post_gen

PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project_slug}}"

# The libraries each answer brings, and only that answer.
DRIVERS: dict[str, dict[str, set[str]]] = {
    "backend": {"orm": set(), "databases": {"databases"}},
    "database": {"sqlite": {"aiosqlite"}, "postgresql": {"asyncpg"}, "mysql": {"asyncmy"}},
    "auth": {"none": set(), "fastapi-users": {"fastapi-users"}},
}

# Valid answers that are awkward to quote in TOML, Python, YAML and Markdown.
AWKWARD_NAME = 'Zoë\'s "Quoted" \\ Notes # 1'
AWKWARD_DESCRIPTION = "Tabs\there, 'single' and \"double\" quotes, a \\ and 🚀"


def bake(cookies: Any, **answers: str) -> Bake:
    """Bake into pytest-cookies' folder; the bake's answers are those cookiecutter rendered."""
    result = cookies.bake(extra_context=answers, template=str(TEMPLATE))
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return Bake(Path(result.project_path), result.context)


def files_in(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def expected_files(answers: dict[str, Any], package: str) -> tuple[set[str], set[str]]:
    """(files the bake must have, files it must not have) for a bake's answers."""
    shared = {
        path.replace("{{cookiecutter.package_name}}", package)
        for path in files_in(PROJECT_TEMPLATE)
        if not path.startswith(post_gen.VARIANTS_DIR + "/")
    }
    kept: set[str] = set()
    pruned: set[str] = set()
    for owner, paths in post_gen.owned_files(package).items():
        (kept if post_gen.chosen(owner, answers) else pruned).update(paths)
    return shared | kept, pruned - kept


def dependency_names(project: Path) -> set[str]:
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    return {
        re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower()
        for requirement in pyproject["project"]["dependencies"]
    }
