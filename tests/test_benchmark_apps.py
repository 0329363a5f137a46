"""The benchmark's apps (floor, framework, references, and with accounts the FastAPI Users
reference) serve the generated service's contract.

The apps in benchmarks/apps are only a fair yardstick while they answer the benchmarked
requests exactly as the generated services do; this keeps them from drifting.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.accounts import auth_settings
from benchmarks.apps import ACCOUNTS_REFERENCE_REQUIREMENTS, DRIVERS, REFERENCES
from harness.baking import TEMPLATE
from harness.databases import DATABASES
from harness.installing import install_with_uv, project_environment, run
from harness.servers import SERVERS

from .bakes import bake

# On one pytest-xdist worker, so that each database's apps are installed and seeded once.
pytestmark = pytest.mark.xdist_group("benchmark-apps")

SEEDED = "INSERT INTO notes (text, completed) VALUES ('first', 0), ('second', 1), ('third', 0)"
APPS = ["floor", "framework", *(f"reference-{backend}" for backend in REFERENCES)]
# Where the apps are checked: SQLite, and MySQL, whose reference apps run on asyncmy.
CHECKED_ON = ["sqlite", "mysql"]
# The async driver each app takes its URL with, as the benchmark gives it.
ASYNC_SCHEMES = {"sqlite": "sqlite+aiosqlite", "mysql": "mysql+asyncmy"}


@pytest.fixture(scope="module", params=CHECKED_ON)
def answers(
    request: pytest.FixtureRequest,
    cookies_session: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """What the generated service and each benchmark app answered to the same requests,
    each on a database of its own holding the same notes."""
    answer = request.param
    baked = bake(cookies_session, backend="orm", database=answer)
    work = tmp_path_factory.mktemp(f"contract-{answer}")
    env = project_environment(work / "venv", {})
    # The reference apps' libraries beside the service's own.
    install_with_uv(baked.path, work / "venv", env, ".", "httpx", "databases")

    database = DATABASES[answer]
    server = database.SERVER
    where = str(work) if server is None else request.getfixturevalue(SERVERS[server].fixture)
    urls = {}
    for name in ["service", *APPS]:
        url = database.create_database(where, f"contract_{name.replace('-', '_')}")
        run("alembic upgrade head", baked.path, {**env, "DATABASE_URL": url})
        database.query(url, SEEDED)
        urls[name] = f"{ASYNC_SCHEMES[answer]}:{url.split(':', 1)[1]}"

    script = str(Path(__file__).with_name("benchmark_apps_contract.py"))
    python = str(work / "venv" / "bin" / "python")
    output = run([python, script, str(TEMPLATE), baked.package, json.dumps(urls)], work, env)
    seen: dict[str, Any] = json.loads(output)
    assert set(seen) == {"service", *APPS}
    return seen


# A note's timestamps come from each app's own clock, and SQLite and MySQL give a
# hand-written app its times back without their offset, so their values are not
# compared. The reference apps serve them as the service does; the floor and the
# framework app read and write the other columns only.
TIMES = frozenset({"created_at", "updated_at"})
SERVE_TIMES = frozenset(app for app in APPS if app.startswith("reference-"))


def without_times(body: Any) -> Any:
    if isinstance(body, list):
        return [without_times(item) for item in body]
    if isinstance(body, dict):
        return {key: value for key, value in body.items() if key not in TIMES}
    return body


def fields(body: Any) -> Any:
    """The field names of a note, or of each note in a list."""
    if isinstance(body, list):
        return [fields(item) for item in body]
    return sorted(body) if isinstance(body, dict) else body


@pytest.mark.parametrize("app", APPS)
def test_benchmark_app_answers_like_the_generated_service(
    answers: dict[str, Any], app: str
) -> None:
    assert len(answers["service"]) == len(answers[app]) > 0
    for service, other in zip(answers["service"], answers[app], strict=True):
        assert other["status"] == service["status"], (service, other)
        assert other["content_type"] == service["content_type"], (service, other)
        assert other["location"] == service["location"], (service, other)
        if service["status"] == 422:
            # Both explain a rejected request in `detail`; the wording may differ.
            assert other["body"].keys() == service["body"].keys() == {"detail"}
        else:
            assert without_times(other["body"]) == without_times(service["body"]), (service, other)
            expected = service["body"] if app in SERVE_TIMES else without_times(service["body"])
            assert fields(other["body"]) == fields(expected), (service, other)
    # The check is only worth something if it covered the success paths.
    statuses = {answer["status"] for answer in answers["service"]}
    assert {200, 201, 404, 422} <= statuses


@pytest.fixture(scope="module")
def accounts_answers(
    cookies_session: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[dict[str, Any]]]:
    """What a generated service with accounts and the FastAPI Users reference app answered
    to the same requests, each in a virtualenv of its own, on tables the service's
    migrations built."""
    baked = bake(cookies_session, backend="orm", database="sqlite", auth="fastapi-users")
    work = tmp_path_factory.mktemp("accounts-contract")
    settings = auth_settings()
    service = project_environment(work / "service", settings)
    install_with_uv(baked.path, work / "service", service, ".", "httpx")
    reference = project_environment(work / "reference", settings)
    requirements = [*ACCOUNTS_REFERENCE_REQUIREMENTS, DRIVERS["sqlite"], "httpx"]
    install_with_uv(TEMPLATE, work / "reference", reference, *requirements)

    script = str(Path(__file__).with_name("benchmark_accounts_contract.py"))
    seen = {}
    apps = [("service", service, baked.package), ("reference", reference, "reference")]
    for name, env, app in apps:
        url = DATABASES["sqlite"].create_database(str(work), name)
        run("alembic upgrade head", baked.path, {**service, "DATABASE_URL": url})
        python = str(Path(env["VIRTUAL_ENV"]) / "bin" / "python")
        seen[name] = json.loads(run([python, script, str(TEMPLATE), app, url], work, env))
    return seen


def test_fastapi_users_reference_app_answers_like_the_generated_service(
    accounts_answers: dict[str, list[dict[str, Any]]],
) -> None:
    service, reference = accounts_answers["service"], accounts_answers["reference"]
    assert len(service) == len(reference) > 0
    for theirs, ours in zip(service, reference, strict=True):
        assert ours["status"] == theirs["status"], (theirs, ours)
        if theirs["request"].split()[1] in ("register", "login"):
            # Each app's accounts have ids and fields of their own; the notes are compared.
            continue
        assert ours["content_type"] == theirs["content_type"], (theirs, ours)
        assert ours["location"] == theirs["location"], (theirs, ours)
        if theirs["status"] in (401, 422):
            # Both explain a refused request in `detail`; the wording may differ.
            assert ours["body"].keys() == theirs["body"].keys() == {"detail"}
        else:
            assert without_times(ours["body"]) == without_times(theirs["body"]), (theirs, ours)
            assert fields(ours["body"]) == fields(theirs["body"]), (theirs, ours)
    statuses = {answer["status"] for answer in service}
    assert {200, 201, 401, 404, 422} <= statuses
