"""Each variant, baked with awkward answers, installed into a fresh virtualenv and checked
with the commands its README gives: lint, type check, its own tests, its tooling, its
migrations and its service."""

from __future__ import annotations

import ast
import json
import re
import sqlite3
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.baking import VARIANTS, Variant, variant_id
from harness.databases import database_of
from harness.installing import run
from harness.servers import SERVERS
from harness.serving import free_port, get, request, serving

from .installs import Installed, serial_variants
from .readmes import readme_commands
from .tooling import check_make_lint, check_pre_commit_hooks

# Variables a generated README may export; the tests supply their own values.
SUPPLIED_VARIABLES = {"TEST_POSTGRES_URL", "TEST_MYSQL_URL", "TEST_REDIS_URL", "DATABASE_URL"}
# The first superuser's, as a script would give it to the README's command.
SUPERUSER = ("admin@example.com", "a superuser's passphrase")
# What a run of a project's own tests may not end with.
NOT_CLEAN = re.compile(r"\b(failed|skipped|error|errors|xfailed)\b")


def without_exports(lines: list[str]) -> list[str]:
    exported = {line.split()[1].split("=")[0] for line in lines if line.startswith("export ")}
    assert exported <= SUPPLIED_VARIABLES, f"README exports {exported - SUPPLIED_VARIABLES}"
    return [line for line in lines if not line.startswith("export ")]


def readme_test_commands(project: Installed) -> list[str]:
    """The README's Test section, without the exports the tests supply."""
    return without_exports(readme_commands(project.path, "Test"))


@pytest.fixture(scope="module", params=VARIANTS, ids=variant_id)
def installed(
    request: pytest.FixtureRequest, installed_variant: Callable[[Variant], Installed]
) -> Installed:
    return installed_variant(request.param)


def test_bakes_and_installs_as_its_readme_says(
    installed: Installed, record_property: Callable[[str, Any], None]
) -> None:
    # The seconds of the bake and the install, whichever test asked for them first.
    record_property("stage", (installed.label, "install", round(installed.seconds, 1)))
    assert installed.package == f"zoe_s_{installed.label.replace('-', '_')}_notes"
    assert installed.path.name == installed.package.replace("_", "-")
    assert (installed.path / ".venv" / "bin" / "uvicorn").is_file()


def test_ruff_passes(installed: Installed, stage: Any) -> None:
    lint = [line for line in readme_test_commands(installed) if line.startswith("ruff ")]
    assert lint == ["ruff check .", "ruff format --check ."]
    with stage(installed.label, "lint"):
        for command in lint:
            run(command, installed.path, installed.env)


def test_mypy_passes_in_strict_mode(installed: Installed, stage: Any) -> None:
    settings = tomllib.loads((installed.path / "pyproject.toml").read_text())["tool"]["mypy"]
    assert settings["strict"] is True
    assert "mypy" in readme_test_commands(installed)
    with stage(installed.label, "mypy"):
        run("mypy", installed.path, installed.env)


def own_tests(installed: Installed, command: str) -> int:
    """Run the project's tests with a README command; how many passed, none other."""
    assert command in readme_test_commands(installed)
    summary = run(command, installed.path, installed.env).strip().splitlines()[-1]
    assert not NOT_CLEAN.search(summary), summary
    passed = re.search(r"(\d+) passed", summary)
    assert passed, summary
    installed.passed[command] = int(passed.group(1))
    return installed.passed[command]


def test_own_tests_pass_in_parallel(
    installed: Installed, stage: Any, record_property: Callable[[str, Any], None]
) -> None:
    """`pytest -n auto`, as the project's CI runs them."""
    with stage(installed.label, "tests"):
        passed = own_tests(installed, "pytest -n auto")
    record_property("passed", (installed.label, passed))


@pytest.mark.parametrize("installed", serial_variants(), ids=variant_id, indirect=True)
def test_own_tests_pass_serially_too(installed: Installed, stage: Any) -> None:
    """`pytest`, as `make test` runs them, for every answer of every option: the same tests
    pass in one process as in several."""
    with stage(installed.label, "serial"):
        passed = own_tests(installed, "pytest")
    assert installed.passed.get("pytest -n auto", passed) == passed, installed.passed


def test_make_lint_and_pre_commit_hooks_pass(
    installed: Installed, stage: Any, tmp_path: Path
) -> None:
    with stage(installed.label, "tooling"):
        check_make_lint(run, installed.path, installed.env)
        check_pre_commit_hooks(run, installed.path, installed.env, tmp_path / "pre-commit")


@pytest.fixture
def readme_env(installed: Installed) -> Iterator[dict[str, str]]:
    """The environment after the README's steps before migrating: pointed at a new
    database on the session's server (dropped afterwards), and with accounts a secret to
    sign tokens in `.env`."""
    env = dict(installed.env)
    project, package = installed.path, installed.package
    database = database_of(installed.bake.answers)
    server_url = env[SERVERS[database.SERVER].url_variable or ""] if database.SERVER else ""
    if database.README_SECTION:
        env.update(database.readme_environment(server_url, package))
        for line in without_exports(readme_commands(project, database.README_SECTION)):
            run(line, project, env)
    if installed.bake.answers["auth"] == "fastapi-users":
        (sign,) = readme_commands(project, "Sign tokens")
        run(sign, project, env)
    try:
        yield env
    finally:
        if database.README_SECTION:
            database.drop_database(server_url, package)


def test_migrations_match_the_models(
    installed: Installed, readme_env: dict[str, str], stage: Any
) -> None:
    """The README's migrate commands: autogenerate after the upgrade finds nothing to do,
    and the revision it writes is named in the scheme of the first and passes the linters."""
    project = installed.path
    upgrade, upgrade_again, autogenerate = readme_commands(project, "Migrate")
    assert upgrade == upgrade_again == "alembic upgrade head"
    with stage(installed.label, "migrate"):
        run(upgrade, project, readme_env)
        versions = project / "migrations" / "versions"
        before = set(versions.iterdir())
        run(autogenerate, project, readme_env)
        (revision,) = set(versions.iterdir()) - before
        try:
            assert revision.name == "0002_describe_the_change.py"
            functions = {
                node.name: node.body
                for node in ast.parse(revision.read_text()).body
                if isinstance(node, ast.FunctionDef)
            }
            assert [type(node) for node in functions["upgrade"]] == [ast.Pass]
            run("ruff check . && ruff format --check .", project, readme_env)
        finally:
            revision.unlink()


def test_serves_as_its_readme_says(
    installed: Installed, readme_env: dict[str, str], stage: Any, tmp_path: Path
) -> None:
    """Migrate, create the first superuser, run: health, docs, the accounts walk, and on
    SQLite a backup while the service runs, each as the README types it."""
    project, auth = installed.path, installed.bake.answers["auth"] == "fastapi-users"
    with stage(installed.label, "serve"):
        run("alembic upgrade head", project, readme_env)
        if auth:
            (create,) = readme_commands(project, "Create the first superuser")
            email, password = SUPERUSER
            assert create.endswith(f"-create-superuser {email}")
            output = run(create, project, {**readme_env, "SUPERUSER_PASSWORD": password})
            assert output.startswith(f"created superuser {email} ("), output
        (start,) = readme_commands(project, "Run")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        # uvicorn reads its options from UVICORN_* variables, so the command runs as written.
        serve_env = {**readme_env, "UVICORN_PORT": str(port)}
        with serving(start, project, serve_env, f"{base}/health", tmp_path / "serve.log"):
            assert get(f"{base}/health") == (200, '{"status":"ok"}')
            status, _ = get(f"{base}/docs")
            assert status == 200
            if auth:
                assert_superuser_signs_in(base)
                # The README's walk through the accounts, as typed against the default port.
                walk = " && ".join(readme_commands(project, "Use the accounts"))
                output = run(walk.replace("http://127.0.0.1:8000", base), project, readme_env)
                assert '"text":"My first note"' in output, output
            if installed.bake.answers["database"] == "sqlite":
                back_up(project, readme_env)


def assert_superuser_signs_in(base: str) -> None:
    email, password = SUPERUSER
    form = {"username": email, "password": password}
    status, body, _ = request("POST", f"{base}/auth/jwt/login", form=form)
    assert status == 200, body
    token = json.loads(body)["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    status, body, _ = request("GET", f"{base}/users/me", headers=bearer)
    assert status == 200 and json.loads(body)["is_superuser"] is True, body


def back_up(project: Path, env: dict[str, str]) -> None:
    """The README's backup commands, while the service runs; each writes a checked copy."""
    backups = project / "backups"
    for number, command in enumerate(readme_commands(project, "Back up the database"), 1):
        run(command, project, env)
        copies = sorted(backups.glob("*.db"))
        assert len(copies) == number, command
        with sqlite3.connect(copies[-1]) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
