"""GitHub Actions workflows: each bake's, and the template's own with its job matrix."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import yaml

from harness.baking import CHOICES, TEMPLATE, VARIANTS, Bake, variant_id
from harness.commands import run
from harness.options import ci_jobs
from harness.servers import SERVERS

from . import job_selections
from .deploy_files import check_schema
from .readmes import readme_commands

PYTHON_VERSIONS = ["3.11", "3.13"]
# The service containers each answer adds to the generated workflow's test job.
SERVICES: dict[str, dict[str, set[str]]] = {
    "backend": {"orm": set(), "databases": set()},
    "database": {"sqlite": set(), "postgresql": {"postgres"}, "mysql": {"mariadb"}},
    "auth": {"none": set(), "fastapi-users": {"redis"}},
}


def test_service_table_names_every_answer() -> None:
    for name, answers in CHOICES.items():
        missing = [answer for answer in answers if answer not in SERVICES.get(name, {})]
        assert not missing, (
            f"SERVICES in tests/test_workflows.py: add {name}={', '.join(missing)} with the "
            "service containers it adds to the generated workflow (an empty set for none)"
        )


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
    expected = set().union(*(SERVICES[name][answer] for name, answer in baked.variant.items()))
    assert set(job.get("services", {})) == expected
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
    # The oldest and the newest Python supported, as in the template's own workflow.
    assert job["strategy"]["matrix"]["python-version"] == PYTHON_VERSIONS
    if baked.answers["auth"] == "fastapi-users":
        # Login attempts are counted in Redis in the tests, as replicas share them.
        redis = job["services"].pop("redis")
        assert "redis-cli ping" in redis["options"]
        (mapping,) = redis["ports"]
        assert job["env"].pop("TEST_REDIS_URL") == f"redis://127.0.0.1:{mapping.split(':')[0]}/0"
        job = {key: value for key, value in job.items() if value != {}}
    database = baked.answers["database"]
    if database == "postgresql":
        postgres = job["services"]["postgres"]
        assert "pg_isready" in postgres["options"]
        (mapping,) = postgres["ports"]
        password = postgres["env"]["POSTGRES_PASSWORD"]
        url = job["env"]["TEST_POSTGRES_URL"]
        assert url == f"postgresql://postgres:{password}@127.0.0.1:{mapping.split(':')[0]}/postgres"
    elif database == "mysql":
        (name,) = job["services"]
        mariadb = job["services"][name]
        assert mariadb["image"].startswith("mariadb:10.11")
        assert "healthcheck.sh --connect" in mariadb["options"]
        (mapping,) = mariadb["ports"]
        password = mariadb["env"]["MARIADB_ROOT_PASSWORD"]
        url = job["env"]["TEST_MYSQL_URL"]
        assert url == f"mysql://root:{password}@127.0.0.1:{mapping.split(':')[0]}/mysql"
    else:
        assert "services" not in job and "env" not in job


def template_jobs() -> dict[str, Any]:
    workflow = yaml.safe_load((TEMPLATE / ".github/workflows/ci.yml").read_text())
    return dict(workflow["jobs"])


def test_template_workflow_is_valid_and_covers_every_variant() -> None:
    path = TEMPLATE / ".github/workflows/ci.yml"
    check_schema("vendor.github-workflows", path)
    jobs = template_jobs()
    assert set(jobs) == {"list", "test"}
    # The first job lists the test jobs from the variants, with the standard library only.
    (listing,) = [step for step in jobs["list"]["steps"] if "run" in step]
    assert listing["run"] == 'python3 -m harness.options >> "$GITHUB_OUTPUT"'
    assert jobs["list"]["outputs"]["tests"] == f"${{{{ steps.{listing['id']}.outputs.tests }}}}"
    # -S: without site-packages, as on a runner where nothing is installed yet.
    output = run([sys.executable, "-S", "-m", "harness.options"], TEMPLATE)
    name, _, value = output.strip().partition("=")
    assert name == "tests"
    entries = json.loads(value)
    ids = [variant_id(variant) for variant in VARIANTS]
    # One named entry per variant and one for everything else; nothing runs twice.
    assert [entry["name"] for entry in entries] == [*ids, "other tests"]
    assert [entry["select"] for entry in entries] == [*ids, f"not ({' or '.join(ids)})"]
    assert entries == ci_jobs()
    job = jobs["test"]
    assert job["needs"] == "list"
    assert job["strategy"]["fail-fast"] is False
    matrix = job["strategy"]["matrix"]
    # Every job on the oldest and the newest Python supported.
    assert matrix["python-version"] == PYTHON_VERSIONS
    assert matrix["tests"] == "${{ fromJSON(needs.list.outputs.tests) }}"
    # A service for each test server that has one (harness/servers.py), named in the
    # server's variable; the others start throwaway in the job.
    services = {server.ci_service: server for server in SERVERS.values() if server.ci_service}
    assert set(job["services"]) == set(services)
    assert set(job["env"]) == {server.url_variable for server in services.values()}
    assert "pg_isready" in job["services"]["postgres"]["options"]
    assert job["env"]["TEST_POSTGRES_URL"].startswith("postgresql://postgres:")
    assert "healthcheck.sh --connect" in job["services"]["mariadb"]["options"]
    assert job["env"]["TEST_MYSQL_URL"].startswith("mysql://root:")
    (setup,) = [step for step in job["steps"] if step.get("uses", "").startswith("actions/setup-")]
    assert setup["with"]["python-version"] == "${{ matrix.python-version }}"
    (command,) = [step["run"] for step in job["steps"] if "run" in step]
    assert command == 'bash .ci/run -k "${{ matrix.tests.select }}"'


PLUGIN = ["-p", "tests.job_selections"]


def selected_by(selections: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Every test pytest collects in the template, and those each `-k` selection selects,
    in one collection (tests/job_selections.py matches as `-k` does)."""
    collect = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", *PLUGIN]
    env = {**os.environ, job_selections.SELECTIONS_VARIABLE: json.dumps(selections)}
    lines = run(collect, TEMPLATE, env).splitlines()
    (selected,) = [line for line in lines if line.startswith(job_selections.PREFIX)]
    everything = [line for line in lines if "::" in line and line != selected]
    return everything, json.loads(selected.removeprefix(job_selections.PREFIX))


def test_template_workflow_jobs_split_the_suite_without_overlap() -> None:
    everything, selected = selected_by([entry["select"] for entry in ci_jobs()])
    jobs = list(selected.values())
    assert len(jobs) == len(ci_jobs())
    assert all(jobs), "a job that selects no tests"
    assert sorted(test for tests in jobs for test in tests) == sorted(everything)
