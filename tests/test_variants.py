"""Each variant, baked, installed into a fresh virtualenv and checked with its own commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from .baking import bake, readme_commands
from .conftest import VARIANTS, variant_id

# Variables a generated README may export; the tests supply their own values.
SUPPLIED_VARIABLES = {"TEST_POSTGRES_URL"}


# Settings of the shell the tests run in that must not leak into a project's run.
PROJECT_VARIABLES = ("DATABASE_URL", "TEST_POSTGRES_URL", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")


def project_environment(venv: Path, extra: dict[str, str]) -> dict[str, str]:
    """This shell's environment as it is after activating the project's virtualenv."""
    inherited = {k: v for k, v in os.environ.items() if k not in PROJECT_VARIABLES}
    return {
        **inherited,
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        **extra,
    }


def run(command: str | list[str], project: Path, env: dict[str, str]) -> str:
    shell = isinstance(command, str)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command] if shell else command,
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def without_exports(lines: list[str]) -> list[str]:
    exported = {line.split()[1].split("=")[0] for line in lines if line.startswith("export ")}
    assert exported <= SUPPLIED_VARIABLES, f"README exports {exported - SUPPLIED_VARIABLES}"
    return [line for line in lines if not line.startswith("export ")]


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_variant_installs_and_passes_its_own_checks(
    cookies_session: Any,
    request: pytest.FixtureRequest,
    stage: Any,
    record_property: Any,
    variant: dict[str, str],
) -> None:
    label = variant_id(variant)
    extra: dict[str, str] = {}
    if variant["database"] == "postgresql":
        extra["TEST_POSTGRES_URL"] = request.getfixturevalue("postgres_url")

    with stage(label, "bake"):
        project = bake(cookies_session, **variant)
    venv = project / ".venv"
    env = project_environment(venv, extra)

    with stage(label, "install"):
        uv = [sys.executable, "-m", "uv"]
        run([*uv, "venv", "--quiet", "--python", sys.executable, str(venv)], project, env)
        run(
            [
                *uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(venv / "bin/python"),
                "-e",
                ".[dev]",
            ],
            project,
            env,
        )

    mypy_settings = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["mypy"]
    assert mypy_settings["strict"] is True
    lint, typecheck = [], []
    for line in readme_commands(project, "Test"):
        if line.startswith(("ruff ", "mypy")):
            (typecheck if line.startswith("mypy") else lint).append(line)
    assert lint == ["ruff check .", "ruff format --check ."]
    assert typecheck == ["mypy"]
    with stage(label, "lint"):
        for command in lint:
            run(command, project, env)
    with stage(label, "mypy"):
        run("mypy", project, env)

    test_lines = [
        line
        for line in without_exports(readme_commands(project, "Test"))
        if line not in lint + typecheck
    ]
    assert test_lines == ["pytest"]
    with stage(label, "tests"):
        output = run(" && ".join(test_lines), project, env)
    summary = output.strip().splitlines()[-1]
    assert not re.search(r"\b(failed|skipped|error|errors|xfailed)\b", summary), summary
    passed = re.search(r"(\d+) passed", summary)
    assert passed, summary
    record_property("passed", (label, int(passed.group(1))))
