"""The template tests' fixtures and their run summary; shared helpers live in harness/."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from harness.baking import VARIANTS, Bake, Variant, variant_id
from harness.servers import SERVERS, ServerKind
from harness.throwaway import NoServer

from .bakes import bake
from .installs import Installed, install

# Each variant starts Python dozens of times (its tests' workers, alembic, uvicorn, the
# fuzzer), each importing the same libraries. Where the shell sets PYTHONDONTWRITEBYTECODE,
# every start would compile them again: a quarter of a variant's test CPU. The bytecode
# goes to throwaway bakes, their virtualenvs and git-ignored __pycache__ folders here.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


@pytest.fixture(scope="session", params=VARIANTS, ids=variant_id)
def baked(request: pytest.FixtureRequest, cookies_session: Any) -> Bake:
    """Each variant baked once with the default answers, for checks that only read it."""
    return bake(cookies_session, **request.param)


def server_fixture(server: ServerKind) -> Any:
    """A session fixture yielding the server's admin URL (harness/servers.py): the one its
    variable names, else a throwaway server's; a missing server fails under CI."""

    def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
        fronted = [request.getfixturevalue(SERVERS[key].fixture) for key in server.fronts]
        try:
            with server.started(*fronted) as url:
                yield url
        except NoServer as missing:
            without_server(missing)

    server_url.__doc__ = f"The admin URL of a real {server.title} server for the session."
    return pytest.fixture(scope="session", name=server.fixture)(server_url)


# One per server of the registry. pgbouncer_url is PgBouncer in transaction mode in front
# of postgres_url's server, with fewer server connections than its clients.
postgres_url = server_fixture(SERVERS["postgres"])
mysql_url = server_fixture(SERVERS["mysql"])
pgbouncer_url = server_fixture(SERVERS["pgbouncer"])
redis_url = server_fixture(SERVERS["redis"])
otlp_url = server_fixture(SERVERS["otlp"])


def server_urls(request: pytest.FixtureRequest, answers: dict[str, Any]) -> dict[str, str]:
    """The TEST_*_URL settings a variant's own tests need, each its session server's."""
    return {
        str(server.url_variable): request.getfixturevalue(server.fixture)
        for server in SERVERS.values()
        if server.url_variable and server.needed_by(answers)
    }


@pytest.fixture(scope="session")
def installed_variant(
    request: pytest.FixtureRequest, cookies_session: Any, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[Variant], Installed]:
    """Each variant baked and installed once per test process, on first use; the variant
    and service tests of one variant run in one process (see pytest_configure)."""
    installs: dict[str, Installed] = {}
    mypy_cache = tmp_path_factory.mktemp("mypy-cache")

    def installed(variant: Variant) -> Installed:
        label = variant_id(variant)
        if label not in installs:
            servers = server_urls(request, variant)
            installs[label] = install(cookies_session, variant, servers, mypy_cache)
        return installs[label]

    return installed


# Fixtures that hand a test an installed variant, named by its parameter.
INSTALLED_FIXTURES = ("installed", "project")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """With pytest-xdist (`-n auto`), send every test of one installed variant to the same
    process (`--dist loadgroup`), so that each variant is installed once per run.

    Set here rather than in addopts, so that `-p no:xdist` still runs; the workers,
    which read their options from the command line, are told by pytest_configure_node.
    """
    config.addinivalue_line("markers", "xdist_group(name): run on one pytest-xdist worker")
    if config.getoption("dist", "no") == "load":
        config.option.dist = "loadgroup"
    if getattr(config, "workerinput", {}).get("dist") == "loadgroup":
        config.option.loadgroup = True


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """Tell each pytest-xdist worker how the tests are distributed."""
    node.workerinput["dist"] = node.config.getoption("dist")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group each test of an installed variant under the variant's name."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        for name in INSTALLED_FIXTURES:
            if callspec is not None and name in callspec.params:
                item.add_marker(pytest.mark.xdist_group(variant_id(callspec.params[name])))


def without_server(missing: NoServer) -> None:
    """Skip a test that needs a database server, or fail it under CI."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI needs a database server: {missing}", pytrace=False)
    pytest.skip(f"skipped: {missing}")


@pytest.fixture
def stage(record_property: Callable[[str, Any], None]) -> Callable[..., Any]:
    """Time a named stage of a test; the summary prints every stage's seconds."""

    @contextmanager
    def timed(label: str, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            record_property("stage", (label, name, round(time.perf_counter() - started, 1)))

    return timed


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the seconds of each variant's stages, how many of its own tests passed, and
    the figures the service tests measured."""
    seconds: dict[str, dict[str, float]] = {}
    passed: dict[str, int] = {}
    figures: dict[str, dict[str, object]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for key, value in getattr(report, "user_properties", []):
                if key == "stage":
                    label, name, elapsed = value
                    seconds.setdefault(label, {})[name] = elapsed
                elif key == "passed":
                    label, count = value
                    passed[label] = count
                elif key == "figure":
                    label, name, figure = value
                    figures.setdefault(label, {})[name] = figure
    for label in sorted(figures):
        terminalreporter.section(f"measured: {label}", sep="-")
        for name, figure in figures[label].items():
            terminalreporter.write_line(f"{name:<40}{figure}")
    if not seconds:
        return
    stages = list(dict.fromkeys(name for row in seconds.values() for name in row))
    terminalreporter.section("seconds per variant and stage")
    columns = [*stages, "total", "passed"]
    # As wide as the longest label, so that every row's figures line up.
    width = max(map(len, ["variant", *seconds])) + 2
    terminalreporter.write_line(f"{'variant':<{width}}" + "".join(f"{c:>10}" for c in columns))
    for label in sorted(seconds):
        row = seconds[label]
        cells = [f"{row[name]:.1f}" if name in row else "-" for name in stages]
        cells += [f"{sum(row.values()):.1f}", str(passed.get(label, "-"))]
        terminalreporter.write_line(f"{label:<{width}}" + "".join(f"{c:>10}" for c in cells))
