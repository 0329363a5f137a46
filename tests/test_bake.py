"""Bake every variant and check the generated files without installing them."""

from __future__ import annotations

import ast
import filecmp
import re
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from cookiecutter.main import cookiecutter
from packaging.licenses import canonicalize_license_expression

from harness.baking import CHOICES, TEMPLATE, Bake
from harness.commands import finished
from harness.options import ALL_CHOICES, METADATA_CHOICES

from .bakes import (
    AWKWARD_DESCRIPTION,
    AWKWARD_NAME,
    DRIVERS,
    bake,
    dependency_names,
    expected_files,
    files_in,
)

ALL_DRIVERS = {name for answers in DRIVERS.values() for names in answers.values() for name in names}
# Per license answer: the pyproject's SPDX expression (PEP 639) and a phrase of its text.
LICENSES = {
    "MIT": ("MIT", "Permission is hereby granted, free of charge, to any person"),
    "Apache-2.0": ("Apache-2.0", "Apache License\n                           Version 2.0"),
    "BSD-3-Clause": ("BSD-3-Clause", "3. Neither the name of the copyright holder"),
    "proprietary": ("LicenseRef-Proprietary", "All rights reserved."),
}
MARKERS = ("{{", "}}", "{%", "%}", "cookiecutter")
GITHUB_EXPRESSION = re.compile(r"\$\{\{ [^{}]+ \}\}")


def test_bake_has_exactly_the_variant_files(baked: Bake) -> None:
    assert baked.path.name == "notes-service"
    present, absent = expected_files(baked.answers, baked.package)
    assert files_in(baked.path) == present
    assert not absent & files_in(baked.path)
    assert not (baked.path / "_variants").exists()


def test_bake_leaves_no_template_markers(baked: Bake) -> None:
    for path in baked.path.rglob("*"):
        if path.is_file():
            # GitHub's own `${{ ... }}` expressions are meant to be in the workflows.
            text = GITHUB_EXPRESSION.sub("", path.read_text())
            for marker in MARKERS:
                assert marker not in text, f"{marker!r} left in {path.relative_to(baked.path)}"


def test_driver_table_names_every_answer() -> None:
    for name, answers in CHOICES.items():
        missing = [answer for answer in answers if answer not in DRIVERS.get(name, {})]
        assert not missing, (
            f"DRIVERS in tests/bakes.py: add {name}={', '.join(missing)} with the "
            "libraries only that answer brings (an empty set for none)"
        )


def test_license_table_names_every_answer() -> None:
    assert list(LICENSES) == METADATA_CHOICES["license"], (
        "LICENSES in tests/test_bake.py: add each license answer with its SPDX expression"
    )


@pytest.mark.parametrize("license_", METADATA_CHOICES["license"])
def test_license_file_and_metadata_agree(cookies_session: Any, license_: str) -> None:
    """A metadata-only answer is baked once, on the default variant, and read statically."""
    project = bake(cookies_session, license=license_, author_name=AWKWARD_NAME)
    expression, phrase = LICENSES[license_]
    text = (project.path / "LICENSE").read_text()
    assert phrase in text
    year = str(datetime.now(UTC).year)
    assert any(year in line and AWKWARD_NAME in line for line in text.splitlines())
    assert not any(marker in text for marker in MARKERS)
    # Not the template's own license, which stays out of generated projects.
    assert text != (TEMPLATE / "LICENSE").read_text()
    pyproject = tomllib.loads((project.path / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == expression
    assert canonicalize_license_expression(expression) == expression
    assert pyproject["project"]["license-files"] == ["LICENSE"]
    # Hatchling reads license expressions from 1.27 on.
    assert "hatchling>=1.27" in pyproject["build-system"]["requires"]
    dockerfile = (project.path / "Dockerfile").read_text()
    assert "COPY pyproject.toml README.md LICENSE ./" in dockerfile
    readme = (project.path / "README.md").read_text()
    license_section = readme.split("\n## License\n", 1)[1]
    assert f"`pyproject.toml` declares them as `{expression}`." in license_section


def test_pyproject_lists_exactly_the_variant_drivers(baked: Bake) -> None:
    expected = set().union(*(DRIVERS[name][answer] for name, answer in baked.variant.items()))
    names = dependency_names(baked.path)
    assert names & ALL_DRIVERS == expected
    assert {"fastapi", "sqlalchemy", "alembic", "pydantic-settings"} <= names
    requirements = tomllib.loads((baked.path / "pyproject.toml").read_text())["project"]
    assert all(">=" in requirement for requirement in requirements["dependencies"])
    assert "sqlalchemy[asyncio]>=" in " ".join(requirements["dependencies"])


def test_baking_twice_gives_identical_trees(tmp_path: Path) -> None:
    first = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path / "a")))
    second = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path / "b")))
    assert files_in(first) == files_in(second)
    matches, mismatches, errors = filecmp.cmpfiles(
        first, second, sorted(files_in(first)), shallow=False
    )
    assert (mismatches, errors) == ([], [])
    assert len(matches) == len(files_in(first))


def test_awkward_answers_survive_into_every_file(cookies_session: Any) -> None:
    project = bake(
        cookies_session,
        project_name=AWKWARD_NAME,
        project_slug="zoe-notes",
        description=AWKWARD_DESCRIPTION,
        author_name='O\'Brien "Bob" \\',
    ).path
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["description"] == AWKWARD_DESCRIPTION
    assert metadata["authors"] == [{"name": 'O\'Brien "Bob" \\', "email": "you@example.com"}]
    assert metadata["name"] == "zoe-notes"

    main = ast.parse((project / "src/zoe_notes/main.py").read_text())
    keywords = {
        keyword.arg: ast.literal_eval(keyword.value)
        for node in ast.walk(main)
        # The app's constructor: FastAPI, or FastAPIOffline with the docs on.
        if isinstance(node, ast.Call) and any(keyword.arg == "title" for keyword in node.keywords)
        for keyword in node.keywords
        if isinstance(keyword.value, ast.Constant)
    }
    assert keywords["title"] == AWKWARD_NAME
    assert keywords["description"] == AWKWARD_DESCRIPTION

    readme = (project / "README.md").read_text()
    assert readme.startswith(f"# {AWKWARD_NAME}\n\n{AWKWARD_DESCRIPTION}\n")

    formatted = finished(
        [sys.executable, "-m", "ruff", "format", "--no-cache", "--check", "."], project
    )
    assert formatted.returncode == 0, formatted.stdout

    yaml_files = sorted(str(path.relative_to(project)) for path in project.rglob("*.y*ml"))
    kubernetes = [name for name in yaml_files if name.startswith("deploy/kubernetes/")]
    assert "deploy/kubernetes/kustomization.yaml" in kubernetes
    assert [name for name in yaml_files if name not in kubernetes] == [
        ".github/workflows/ci.yml",
        ".pre-commit-config.yaml",
        "compose.yaml",
    ]
    for name in yaml_files:
        assert isinstance(yaml.safe_load((project / name).read_text()), dict), name


BAD_ANSWERS = [
    ({"project_slug": "Notes_Service"}, "project_slug: 'Notes_Service' is not allowed"),
    ({"project_slug": "-notes"}, "project_slug: '-notes' is not allowed"),
    ({"package_name": "class"}, "package_name: 'class' is a Python keyword"),
    ({"package_name": "2fa"}, "package_name: '2fa' is not a valid import name"),
    ({"package_name": "json"}, "package_name: 'json' would shadow the standard library"),
    ({"author_email": "not-an-email"}, "author_email: 'not-an-email' is not an email address"),
    ({"version": "v1"}, "version: 'v1' is not a PEP 440 version"),
    ({"project_name": "   "}, "project_name: must not be empty"),
]


@pytest.mark.parametrize(
    ("answers", "message"), BAD_ANSWERS, ids=[next(iter(a)) + "-" for a, _ in BAD_ANSWERS]
)
def test_bad_answers_fail_in_the_hook_and_leave_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], answers: dict[str, str], message: str
) -> None:
    context = {"project_slug": "notes-service", **answers}
    with pytest.raises(SystemExit) as exited:
        cookiecutter(str(TEMPLATE), no_input=True, extra_context=context, output_dir=str(tmp_path))
    assert exited.value.code == 1
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1
    assert errors[0].startswith(f"ERROR: {message}")
    assert list(tmp_path.iterdir()) == []


def test_every_bad_answer_is_reported_at_once_without_a_traceback(tmp_path: Path) -> None:
    """One run shows all there is to fix, a line each, and nothing else."""
    answers = {key: value for answer, _ in BAD_ANSWERS for key, value in answer.items()}
    result = run_cli(tmp_path, *(f"{key}={value}" for key, value in answers.items()))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == len(answers), result.stderr
    expected = {message for answer, message in BAD_ANSWERS if answer.items() <= answers.items()}
    for message in expected:
        assert sum(line.startswith(f"ERROR: {message}") for line in lines) == 1, message
    assert list(tmp_path.iterdir()) == []


def run_cli(tmp_path: Path, *answers: str) -> subprocess.CompletedProcess[str]:
    cli = [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE), "-o", str(tmp_path)]
    return finished([*cli, *answers])


def test_bad_answer_on_the_command_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "package_name=import")
    assert result.returncode != 0
    assert result.stderr == (
        "ERROR: package_name: 'import' is a Python keyword; choose another name\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ALL_CHOICES)
def test_unknown_choice_on_the_command_line(tmp_path: Path, name: str) -> None:
    # cookiecutter itself refuses a value outside a choice list, with its own
    # traceback, before it renders anything of the template that could catch it.
    result = run_cli(tmp_path, f"{name}=peewee")
    assert result.returncode != 0
    assert f"peewee provided for choice variable {name}" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_text_length_agrees_across_model_migration_and_readme(baked: Bake) -> None:
    project = baked.path
    models = ast.parse((project / "src" / baked.package / "models.py").read_text())
    (length,) = [
        ast.literal_eval(node.value)
        for node in models.body
        if isinstance(node, ast.Assign)
        and [target.id for target in node.targets if isinstance(target, ast.Name)]
        == ["NOTE_TEXT_MAX_LENGTH"]
    ]
    (migration_file,) = (project / "migrations/versions").glob("0001_*.py")
    migration = migration_file.read_text()
    assert f"sa.String(length={length})" in migration
    assert f"`text` holds 1 to {length} characters" in (project / "README.md").read_text()
