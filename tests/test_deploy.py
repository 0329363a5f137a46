"""Static checks of each bake's container, compose, CI, Makefile and README files.

No Docker engine or GitHub runner is available to the tests, so these files are parsed
and checked against each other and against the settings the generated app reads.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from dockerfile_parse import DockerfileParser

from harness.baking import TEMPLATE, VARIANTS, Bake, variant_id
from harness.dockerfile import production_command

from .baking import console_blocks, readme_commands

SECRET_WORDS = re.compile(r"PASSWORD|SECRET|TOKEN|DATABASE_URL", re.I)
SLIM_PYTHON = re.compile(r"python:3\.(1[1-9])-slim$")
KEYS = ("USER", "PASSWORD", "DB")

# README sections whose console commands a test runs, and the one only checked here.
RUN_SECTIONS = {"Install", "Point it at PostgreSQL", "Migrate", "Run", "Test", "Pre-commit hooks"}
CONTAINER_SECTION = "Running in production"


def check_schema(schema: str, *files: Path) -> None:
    """Validate files with check-jsonschema's copy of a public schema (offline)."""
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def stages(project: Path) -> list[list[dict[str, Any]]]:
    """The Dockerfile's instructions, one list per stage."""
    parser = DockerfileParser(path=str(project / "Dockerfile"))
    result: list[list[dict[str, Any]]] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            result.append([])
        if instruction["instruction"] != "COMMENT":
            assert result, "an instruction before the first FROM"
            result[-1].append(instruction)
    return result


def instructions(stage: list[dict[str, Any]], name: str) -> list[str]:
    return [i["value"] for i in stage if i["instruction"] == name]


def compose(project: Path) -> dict[str, Any]:
    return yaml.safe_load((project / "compose.yaml").read_text())  # type: ignore[no-any-return]


def setting_variables(project: Path) -> set[str]:
    """The environment variables the generated Settings model reads."""
    module = ast.parse(next(project.glob("src/*/settings.py")).read_text())
    (settings,) = [
        node for node in module.body if isinstance(node, ast.ClassDef) and node.name == "Settings"
    ]
    return {
        node.target.id.upper()
        for node in settings.body
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and not ast.unparse(node.annotation).startswith("ClassVar")
    }


def env_example_variables(project: Path) -> set[str]:
    """Variables `.env.example` sets or shows commented out with their default."""
    text = (project / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, re.M))


def readme_settings_variables(project: Path) -> set[str]:
    readme = (project / "README.md").read_text()
    section = readme.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", section, re.M))


def test_settings_table_env_example_and_model_agree(baked: Bake) -> None:
    variables = setting_variables(baked.path)
    assert "DATABASE_URL" in variables
    assert readme_settings_variables(baked.path) == variables
    assert env_example_variables(baked.path) == variables


def test_every_readme_command_is_run_or_is_a_container_command(baked: Bake) -> None:
    readme = (baked.path / "README.md").read_text()
    sections = set(re.findall(r"^## (.*)$", readme, re.M))
    with_commands = {name for name in sections if console_blocks(readme, name)}
    assert with_commands - {CONTAINER_SECTION} <= RUN_SECTIONS
    docker = readme_commands(baked.path, CONTAINER_SECTION)
    # Docker cannot run here: every line is a compose command, checked against the files.
    assert all(line.startswith("docker compose ") for line in docker), docker
    (migrate,) = [line for line in docker if " run " in line]
    service, command = migrate.removeprefix("docker compose run --rm ").split(" ", 1)
    assert service in compose(baked.path)["services"]
    assert command == readme_commands(baked.path, "Migrate")[0]


# Dockerfile


def test_dockerfile_builds_in_two_stages_and_runs_as_non_root(baked: Bake) -> None:
    builder, final = stages(baked.path)
    base, alias = instructions(builder, "FROM")[0].split(" AS ")
    assert SLIM_PYTHON.match(base) and alias == "builder"
    assert SLIM_PYTHON.match(instructions(final, "FROM")[0])
    # The final image takes only the built virtualenv from the builder.
    copied_from = [v for v in instructions(final, "COPY") if v.startswith("--from=")]
    assert copied_from == ["--from=builder /opt/venv /opt/venv"]

    users = instructions(final, "USER")
    assert users, "the final stage sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) > 0, users[-1]
    assert not gid or (gid.isdigit() and int(gid) > 0), users[-1]
    # The user is set after every RUN and COPY: the app cannot write its own code.
    names = [i["instruction"] for i in final]
    assert names.index("USER") > max(i for i, name in enumerate(names) if name in ("RUN", "COPY"))


def test_dockerfile_health_check_and_command(baked: Bake) -> None:
    _, final = stages(baked.path)
    (exposed,) = instructions(final, "EXPOSE")
    (healthcheck,) = instructions(final, "HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    probe = json.loads(command)
    # Slim images have no curl: the probe is Python's urllib, and fails on a non-2xx answer.
    assert probe[:2] == ["python", "-c"]
    assert f"urlopen('http://127.0.0.1:{exposed}/health'" in probe[2]
    assert "--timeout=" in options

    (cmd,) = instructions(final, "CMD")
    argv = json.loads(cmd)  # exec form: uvicorn is PID 1 and gets the stop signal
    assert argv[:3] == ["uvicorn", f"{baked.package}.main:create_app", "--factory"]
    assert "--reload" not in argv
    assert argv[argv.index("--port") + 1] == exposed
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert not instructions(final, "ENTRYPOINT")  # migrations are not hidden in start-up


def test_tests_and_benchmarks_serve_the_dockerfile_command(baked: Bake) -> None:
    # The service is measured and tested as shipped: the Dockerfile's CMD, with only
    # the address moved to loopback and one worker.
    shipped = DockerfileParser(str(baked.path / "Dockerfile")).cmd
    app, options = production_command(baked.path)

    program, shipped_app, *shipped_options = json.loads(shipped)
    assert (program, shipped_app) == ("uvicorn", app)
    kept = [
        option
        for option, previous in zip(shipped_options, [None, *shipped_options], strict=False)
        if option not in ("--host", "--port") and previous not in ("--host", "--port")
    ]
    assert kept and options == [*kept, "--host", "127.0.0.1", "--workers", "1"]


def test_dockerfile_bakes_in_no_secrets_and_copies_what_the_image_needs(baked: Bake) -> None:
    builder, final = stages(baked.path)
    for stage in (builder, final):
        for value in instructions(stage, "ENV") + instructions(stage, "ARG"):
            assert not SECRET_WORDS.search(value), value
        for value in instructions(stage, "COPY"):
            if value.startswith("--from="):
                continue
            *sources, _ = shlex.split(value)
            for source in sources:
                assert not source.startswith(".env") and source not in (".", "./"), value
                assert (baked.path / source).exists(), f"COPY of missing {source}"
    final_copies = " ".join(instructions(final, "COPY"))
    # The image can run `alembic upgrade head`: it holds the configuration and the scripts.
    assert "alembic.ini" in final_copies and "migrations" in final_copies

    ignored = (baked.path / ".dockerignore").read_text().splitlines()
    for pattern in (".env", ".git/", ".venv/", "*.db"):
        assert pattern in ignored


# compose.yaml


def test_compose_file_matches_the_schema(baked: Bake) -> None:
    check_schema("vendor.compose-spec", baked.path / "compose.yaml")


def test_compose_services_ports_and_storage(baked: Bake) -> None:
    spec = compose(baked.path)
    services = spec["services"]
    app = services["app"]
    assert app["build"] == "."
    _, final = stages(baked.path)
    (exposed,) = instructions(final, "EXPOSE")
    # Published on loopback only; a proxy or load balancer fronts it in production.
    assert app["ports"] == [f"127.0.0.1:{exposed}:{exposed}"]
    url = app["environment"]["DATABASE_URL"]
    if baked.answers["database"] == "sqlite":
        assert set(services) == {"app"}
        assert app["volumes"] == ["data:/data"]
        assert set(spec["volumes"]) == {"data"}
        assert url.startswith("sqlite+aiosqlite:////data/")
        # The image makes the mount point writable by its non-root user.
        assert any("mkdir /data && chown app:app /data" in v for v in instructions(final, "RUN"))
    else:
        assert set(services) == {"app", "db"}
        db = services["db"]
        assert db["image"].startswith("postgres:")
        assert "pg_isready" in " ".join(db["healthcheck"]["test"])
        assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
        assert db["volumes"] == ["pgdata:/var/lib/postgresql/data"]
        assert set(spec["volumes"]) == {"pgdata"}
        assert "ports" not in db  # the database is reachable by the app only
        required = "${POSTGRES_PASSWORD:?"
        assert db["environment"]["POSTGRES_PASSWORD"].startswith(required)
        # The app's URL is built from the same variables as the server's.
        user, password, name = (db["environment"][f"POSTGRES_{key}"] for key in KEYS)
        assert url == f"postgresql://{user}:{password}@db:5432/{name}"


def test_compose_gives_the_app_only_settings_it_reads(baked: Bake) -> None:
    environment = compose(baked.path)["services"]["app"]["environment"]
    assert set(environment) <= setting_variables(baked.path)


# GitHub Actions


def test_generated_workflow_is_valid_and_runs_the_readme_commands(baked: Bake) -> None:
    path = baked.path / ".github/workflows/ci.yml"
    check_schema("vendor.github-workflows", path)
    text = path.read_text()
    # Jinja left GitHub's own expressions alone.
    assert "${{ matrix.python-version }}" in text
    assert "${{ github.workflow }}" in text
    workflow = yaml.safe_load(text)
    (job,) = workflow["jobs"].values()
    assert job["strategy"]["fail-fast"] is False
    commands = [line for step in job["steps"] if "run" in step for line in step["run"].splitlines()]
    readme = [*readme_commands(baked.path, "Install"), *readme_commands(baked.path, "Test")]
    assert commands == [
        'pip install -e ".[dev]"',
        "ruff check .",
        "ruff format --check .",
        "mypy",
        "pytest -n auto",
    ]
    assert set(commands) - {'pip install -e ".[dev]"'} <= set(readme)
    assert 'pip install -e ".[dev]"' in readme
    if baked.answers["database"] == "postgresql":
        postgres = job["services"]["postgres"]
        assert "pg_isready" in postgres["options"]
        (mapping,) = postgres["ports"]
        password = postgres["env"]["POSTGRES_PASSWORD"]
        url = job["env"]["TEST_POSTGRES_URL"]
        assert url == f"postgresql://postgres:{password}@127.0.0.1:{mapping.split(':')[0]}/postgres"
    else:
        assert "services" not in job and "env" not in job


def test_template_workflow_is_valid_and_covers_every_variant() -> None:
    path = TEMPLATE / ".github/workflows/ci.yml"
    check_schema("vendor.github-workflows", path)
    workflow = yaml.safe_load(path.read_text())
    (job,) = workflow["jobs"].values()
    assert job["strategy"]["fail-fast"] is False
    entries = job["strategy"]["matrix"]["include"]
    ids = [variant_id(variant) for variant in VARIANTS]
    # One named entry per variant and one for everything else; nothing runs twice.
    assert [entry["name"] for entry in entries] == [*ids, "other tests"]
    assert [entry["select"] for entry in entries] == [*ids, f"not ({' or '.join(ids)})"]
    assert "pg_isready" in job["services"]["postgres"]["options"]
    assert job["env"]["TEST_POSTGRES_URL"].startswith("postgresql://postgres:")
    (run,) = [step["run"] for step in job["steps"] if "run" in step]
    assert run == 'bash .ci/run -k "${{ matrix.select }}"'


def collected(*arguments: str) -> list[str]:
    """The test ids pytest collects in the template with these arguments."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", *arguments],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_template_workflow_jobs_split_the_suite_without_overlap() -> None:
    workflow = yaml.safe_load((TEMPLATE / ".github/workflows/ci.yml").read_text())
    (job,) = workflow["jobs"].values()
    everything = collected()
    jobs = [collected("-k", entry["select"]) for entry in job["strategy"]["matrix"]["include"]]
    assert all(jobs), "a job that selects no tests"
    assert sorted(test for tests in jobs for test in tests) == sorted(everything)


# Makefile and pre-commit


def make_dry_run(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--dry-run", "--no-print-directory", *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_make_targets_run_exactly_the_readme_commands(baked: Bake) -> None:
    readme = (baked.path / "README.md").read_text()
    section = readme.split("\n## Make targets\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `make ([^`]*)` \| (.*) \|$", section, re.M)
    assert [row[0].split()[0] for row in rows] == [
        "install",
        "migrate",
        "revision",
        "run",
        "test",
        "lint",
    ]
    documented = {
        line
        for name in ("Install", "Migrate", "Run", "Test")
        for line in readme_commands(baked.path, name)
    }
    for arguments, listed in rows:
        result = make_dry_run(baked.path, *shlex.split(arguments))
        assert result.returncode == 0, result.stderr
        commands = result.stdout.splitlines()
        assert commands == re.findall(r"`([^`]*)`", listed)
        assert set(commands) <= documented, set(commands) - documented
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
