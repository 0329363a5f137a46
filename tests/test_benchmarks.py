"""The benchmark's verdicts and start-up check, on made-up figures (no load is run)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.__main__ import main
from benchmarks.criteria import Figures
from benchmarks.db import DATABASES
from benchmarks.load import AUTHENTICATED, ENDPOINTS
from benchmarks.report import verdicts
from benchmarks.targets import Target

TARGETS = [
    Target("floor-asyncpg", "floor", None, [], Path(), {}),
    Target("reference-orm", "reference", "orm", [], Path(), {}),
    Target("orm-postgresql", "variant", "orm", [], Path(), {}),
]
JUDGED_ON_POSTGRESQL = DATABASES["postgresql"].criteria
AUTH_VARIANT = Target(
    "orm-postgresql-fastapi-users", "variant", "orm", [], Path(), {}, "fastapi-users"
)


def figures(
    rate: float, p99_ms: float = 10.0, new_sessions: int | None = 0, mismatches: int = 0
) -> Figures:
    return Figures(rate, 1.0, p99_ms, 1.0, new_sessions, 50.0, 0, 0, mismatches)


def table(variant: Figures) -> dict[str, dict[str, Figures]]:
    """The floor at 1,000 requests/s with a p99 of 10 ms, the reference at 100."""
    rows = {
        "floor-asyncpg": figures(1000),
        "reference-orm": figures(100),
        "orm-postgresql": variant,
    }
    return {name: dict.fromkeys(ENDPOINTS, row) for name, row in rows.items()}


def test_a_variant_that_meets_every_target_passes() -> None:
    judged = table(figures(121, p99_ms=40))
    lines = verdicts(TARGETS, judged, [judged], JUDGED_ON_POSTGRESQL)
    assert len(lines) == len(ENDPOINTS) * len(JUDGED_ON_POSTGRESQL)
    assert all(line.startswith("PASS orm-postgresql ") for line in lines), lines


@pytest.mark.parametrize(
    ("variant", "failure"),
    [
        (figures(119), "req/s 1.19x reference-orm >= 1.2x"),
        (figures(200, p99_ms=41), "p99 4.1x floor <= 4x"),
        (figures(200, new_sessions=2), "2 new connections once warm == 0"),
    ],
    ids=["slower-than-reference", "long-tail", "new-connections"],
)
def test_a_missed_target_fails(variant: Figures, failure: str) -> None:
    judged = table(variant)
    lines = verdicts(TARGETS, judged, [judged], JUDGED_ON_POSTGRESQL)
    assert f"FAIL orm-postgresql GET /notes/{{id}}: {failure}" in lines
    assert sum(line.startswith("FAIL") for line in lines) == len(ENDPOINTS)


def test_rows_that_differ_from_the_201s_fail_in_either_table() -> None:
    judged, shipped = table(figures(200)), table(figures(200, mismatches=1))
    lines = verdicts(TARGETS, judged, [judged, shipped], DATABASES["sqlite"].criteria)
    assert lines == [
        f"FAIL orm-postgresql {label}: rows added != 201s counted" for label in ENDPOINTS.values()
    ]


def auth_table(auth_variant: Figures) -> dict[str, dict[str, Figures]]:
    """As table(), the variant without accounts at 121 requests/s, and one with accounts."""
    return {**table(figures(121)), AUTH_VARIANT.name: dict.fromkeys(AUTHENTICATED, auth_variant)}


def auth_verdicts(auth_variant: Figures, database: str = "postgresql") -> list[str]:
    judged = auth_table(auth_variant)
    kind = DATABASES[database]
    lines = verdicts([*TARGETS, AUTH_VARIANT], judged, [judged], (), kind.auth_criteria)
    return [line for line in lines if AUTH_VARIANT.name in line]


def test_an_auth_variant_is_judged_on_get_and_post_beside_its_backend_without_accounts() -> None:
    lines = auth_verdicts(figures(61, p99_ms=40))
    assert len(lines) == len(AUTHENTICATED) * 3
    assert all(line.startswith("PASS") for line in lines), lines
    assert "PASS orm-postgresql-fastapi-users POST /notes: req/s 0.50x auth=none >= 0.5x" in lines


@pytest.mark.parametrize(
    ("variant", "failure"),
    [
        (figures(60), "req/s 0.50x auth=none >= 0.5x"),
        (figures(121, p99_ms=41), "p99 4.1x floor <= 4x"),
        (figures(121, new_sessions=1), "1 new connections once warm == 0"),
    ],
    ids=["under-half", "long-tail", "new-connections"],
)
def test_an_auth_variant_that_misses_a_target_fails(variant: Figures, failure: str) -> None:
    lines = auth_verdicts(variant)
    assert f"FAIL orm-postgresql-fastapi-users GET /notes/{{id}}: {failure}" in lines
    assert sum(line.startswith("FAIL") for line in lines) == len(AUTHENTICATED)


def test_new_connections_are_not_judged_where_they_are_not_counted() -> None:
    lines = auth_verdicts(figures(121, new_sessions=None), database="sqlite")
    assert len(lines) == len(AUTHENTICATED) * 2
    assert all(line.startswith("PASS") for line in lines), lines


def test_a_missing_tool_stops_the_run_with_one_line_naming_the_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert main(["--database", "sqlite"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("missing ") and "wrk" in line
    assert line.endswith("run `bash benchmarks/setup` first")
