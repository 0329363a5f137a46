"""The template tests' fixtures and their run summary; shared helpers live in harness/."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from harness.baking import VARIANTS, Bake, variant_id
from harness.mysql import mysql_server
from harness.pgbouncer import pgbouncer
from harness.postgres import postgres_server
from harness.redis import redis_server
from harness.throwaway import NoServer

from .baking import bake


@pytest.fixture(scope="session", params=VARIANTS, ids=variant_id)
def baked(request: pytest.FixtureRequest, cookies_session: Any) -> Bake:
    """Each variant baked once with the default answers, for checks that only read it."""
    return bake(cookies_session, **request.param)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """An admin URL of a real PostgreSQL server; a missing server fails under CI."""
    try:
        with postgres_server() as url:
            yield url
    except NoServer as missing:
        without_server(missing)


@pytest.fixture(scope="session")
def pgbouncer_url(postgres_url: str) -> Iterator[str]:
    """The admin URL of the session's PostgreSQL server through a PgBouncer in transaction
    mode with fewer server connections than its clients; a missing PgBouncer fails under CI."""
    try:
        with pgbouncer(postgres_url) as url:
            yield url
    except NoServer as missing:
        without_server(missing)


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[str]:
    """An admin URL of a real MySQL-family server; a missing server fails under CI."""
    try:
        with mysql_server() as url:
            yield url
    except NoServer as missing:
        without_server(missing)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a real Redis server; a missing server fails under CI."""
    try:
        with redis_server() as url:
            yield url
    except NoServer as missing:
        without_server(missing)


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
