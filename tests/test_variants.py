"""Each variant, baked, installed into a fresh virtualenv and checked with its own commands."""

from __future__ import annotations

import ast
import json
import re
import sqlite3
import tomllib
from pathlib import Path
from typing import Any

import pytest

from harness.baking import DEFAULT_VARIANT, VARIANTS, Bake, Variant, variant_id
from harness.installing import (
    check_requirements_met,
    install_with_uv,
    project_environment,
    run,
)
from harness.mysql import client, mysql_client_environment
from harness.postgres import postgres_client_environment
from harness.serving import free_port, get, request, serving

from .bakes import AWKWARD_DESCRIPTION, bake
from .readmes import readme_commands
from .tooling import check_make_lint, check_pre_commit_hooks

# Variables a generated README may export; the tests supply their own values.
SUPPLIED_VARIABLES = {"TEST_POSTGRES_URL", "TEST_MYSQL_URL", "TEST_REDIS_URL", "DATABASE_URL"}
# The first superuser's, as a script would give it to the README's command.
SUPERUSER = ("admin@example.com", "a superuser's passphrase")


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
    tmp_path: Path,
    variant: Variant,
) -> None:
    label = variant_id(variant)
    # Awkward but valid answers (quotes, a backslash, `#`, a tab, emoji) must bake a
    # project that passes its checks. Each variant's name is its own, so that no two
    # share a database on one server.
    name = f'Zoë\'s "{label}" \\ notes # 🚀'
    with stage(label, "bake"):
        baked = bake(cookies_session, project_name=name, description=AWKWARD_DESCRIPTION, **variant)
    project, package = baked.path, baked.package
    assert package == f"zoe_s_{label.replace('-', '_')}_notes"
    assert project.name == package.replace("_", "-")
    extra: dict[str, str] = {}
    database = baked.answers["database"]
    if database == "postgresql":
        extra["TEST_POSTGRES_URL"] = request.getfixturevalue("postgres_url")
    elif database == "mysql":
        extra["TEST_MYSQL_URL"] = request.getfixturevalue("mysql_url")
    if baked.answers["auth"] == "fastapi-users":
        # Login attempts counted in Redis, as replicas share them.
        extra["TEST_REDIS_URL"] = request.getfixturevalue("redis_url")
    venv = project / ".venv"
    env = project_environment(venv, extra)

    install = readme_commands(project, "Install")
    with stage(label, "install"):
        if variant == DEFAULT_VARIANT:
            # The README's own commands once; the other variants take the faster uv.
            run(" && ".join(install), project, env)
        else:
            assert 'pip install -e ".[dev]"' in install
            install_with_uv(project, venv, env)
        check_requirements_met(project, venv, env)

    mypy_settings = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["mypy"]
    assert mypy_settings["strict"] is True
    test_section = without_exports(readme_commands(project, "Test"))
    lint = [line for line in test_section if line.startswith("ruff ")]
    assert lint == ["ruff check .", "ruff format --check ."]
    assert "mypy" in test_section
    with stage(label, "lint"):
        for command in lint:
            run(command, project, env)
    with stage(label, "mypy"):
        run("mypy", project, env)

    test_lines = [line for line in test_section if line not in [*lint, "mypy"]]
    assert test_lines == ["pytest", "pytest -n auto"]
    counts = []
    with stage(label, "tests"):
        for command in test_lines:
            summary = run(command, project, env).strip().splitlines()[-1]
            assert not re.search(r"\b(failed|skipped|error|errors|xfailed)\b", summary), summary
            passed = re.search(r"(\d+) passed", summary)
            assert passed, summary
            counts.append(int(passed.group(1)))
    # Serial and parallel runs collect the same tests.
    assert len(set(counts)) == 1, counts
    record_property("passed", (label, counts[0]))

    with stage(label, "tooling"):
        check_make_lint(run, project, env)
        check_pre_commit_hooks(run, project, env, tmp_path / "pre-commit")

    with stage(label, "serve"):
        if database == "postgresql":
            env.update(postgres_client_environment(extra["TEST_POSTGRES_URL"], package))
            for line in without_exports(readme_commands(project, "Point it at PostgreSQL")):
                run(line, project, env)
        elif database == "mysql":
            env.update(mysql_client_environment(extra["TEST_MYSQL_URL"], package))
            for line in without_exports(readme_commands(project, "Point it at MySQL")):
                run(line, project, env)
        try:
            migrate_and_serve(baked, env, tmp_path)
        finally:
            if database == "postgresql":
                run(f"dropdb --if-exists --force {package}", project, env)
            elif database == "mysql":
                client(extra["TEST_MYSQL_URL"], f"DROP DATABASE IF EXISTS `{package}`")


def migrate_and_serve(baked: Bake, env: dict[str, str], tmp_path: Path) -> None:
    """The README's commands to set up and run the service, as a developer types them."""
    project, auth = baked.path, baked.answers["auth"] == "fastapi-users"
    if auth:
        (sign,) = readme_commands(project, "Sign tokens")
        run(sign, project, env)
    upgrade, upgrade_again, autogenerate = readme_commands(project, "Migrate")
    assert upgrade == upgrade_again == "alembic upgrade head"
    run(upgrade, project, env)
    versions = project / "migrations" / "versions"
    before = set(versions.iterdir())
    run(autogenerate, project, env)
    (revision,) = set(versions.iterdir()) - before
    # Named in the scheme of the first revision, numbered after it.
    assert revision.name == "0002_describe_the_change.py"
    # The models match the migrations, so autogenerate finds nothing to do,
    # and the new file already passes the linters.
    functions = {
        node.name: node.body
        for node in ast.parse(revision.read_text()).body
        if isinstance(node, ast.FunctionDef)
    }
    assert [type(node) for node in functions["upgrade"]] == [ast.Pass]
    run("ruff check . && ruff format --check .", project, env)
    revision.unlink()
    if auth:
        (create,) = readme_commands(project, "Create the first superuser")
        email, password = SUPERUSER
        assert create.endswith(f"-create-superuser {email}")
        output = run(create, project, {**env, "SUPERUSER_PASSWORD": password})
        assert output.startswith(f"created superuser {email} ("), output

    (start,) = readme_commands(project, "Run")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # uvicorn reads its options from UVICORN_* variables, so the command runs as written.
    serve_env = {**env, "UVICORN_PORT": str(port)}
    with serving(start, project, serve_env, f"{base}/health", tmp_path / "serve.log"):
        assert get(f"{base}/health") == (200, '{"status":"ok"}')
        status, _ = get(f"{base}/docs")
        assert status == 200
        if auth:
            assert_superuser_signs_in(base)
            # The README's walk through the accounts, as typed against the default port.
            walk = " && ".join(readme_commands(project, "Use the accounts"))
            output = run(walk.replace("http://127.0.0.1:8000", base), project, env)
            assert '"text":"My first note"' in output, output
        if baked.answers["database"] == "sqlite":
            back_up(project, env)


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
