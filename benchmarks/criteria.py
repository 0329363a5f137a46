"""What a generated service must achieve, each a check of one target on one endpoint.

Each database module lists the criteria its targets are judged on, on the table with
the access log off; the write-load verdicts (write_report.py) take their thresholds
from here too. TARGETS states them all, as benchmarks/README.md does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Requests/s at least this share of what the backend's reference app serves.
MIN_RATIO_TO_REFERENCE = {"orm": 1.2, "databases": 1.0}
# An auth variant's requests/s at least this share of the FastAPI Users reference app's.
MIN_RATIO_TO_ACCOUNTS_REFERENCE = 1.0
# A fair tail: no request waits much longer than the typical one (a pool that lets
# newcomers overtake its waiters shows here).
MAX_P99_TO_P50 = 3.0
# Once warm, a target serves from the connections it holds.
MAX_NEW_CONNECTIONS = 0

# Under write load on SQLite, at synchronous=FULL, each variant against the floor
# (write_report.py): GET p99 beside the writers; for `databases`, POST p99 and
# requests/s too (`orm`'s are printed).
MAX_GET_P99_TO_FLOOR = 3.0
MAX_POST_P99_TO_FLOOR = 2.0
MIN_POST_RATE_TO_FLOOR = 0.7
# The backends whose POST figures under write load are judged.
POST_JUDGED_UNDER_WRITE_LOAD = frozenset({"databases"})

# Every target a run judges, and its threshold, as benchmarks/README.md's table says them.
TARGETS: tuple[tuple[str, str], ...] = (
    (
        "`orm` requests/s to its reference app (PostgreSQL, MySQL)",
        f">= {MIN_RATIO_TO_REFERENCE['orm']}x",
    ),
    (
        "`databases` requests/s to its reference app (PostgreSQL, MySQL)",
        f">= {MIN_RATIO_TO_REFERENCE['databases']}x",
    ),
    (
        "with accounts, requests/s to the FastAPI Users reference app (every database)",
        f">= {MIN_RATIO_TO_ACCOUNTS_REFERENCE}x",
    ),
    ("p99 to the variant's own p50 (every judged variant)", f"<= {MAX_P99_TO_P50}x"),
    (
        "new connections once warm (PostgreSQL, MySQL)",
        f"== {MAX_NEW_CONNECTIONS}",
    ),
    ("rows added to the 201s counted (every POST run, every table)", "equal"),
    ("write load: timeouts, non-2xx and socket errors (SQLite)", "== 0"),
    ("write load: GET p99 to the floor's (SQLite)", f"<= {MAX_GET_P99_TO_FLOOR}x"),
    ("write load: `databases` POST p99 to the floor's (SQLite)", f"<= {MAX_POST_P99_TO_FLOOR}x"),
    (
        "write load: `databases` POST requests/s to the floor's (SQLite)",
        f">= {MIN_POST_RATE_TO_FLOOR}x",
    ),
    ("write load, two workers on one file: 500s (SQLite)", "== 0"),
)


@dataclass(frozen=True)
class Figures:
    """One target's medians on one endpoint."""

    rate: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    new_sessions: int | None
    rss_mb: float
    non2xx: int
    errors: int
    mismatches: int


@dataclass(frozen=True)
class Standing:
    """A variant's figures beside its yardstick's on the same endpoint."""

    backend: str
    figures: Figures
    # What its requests/s are held to: its backend's reference app, or for an auth
    # variant the FastAPI Users reference app.
    reference: Figures


# A line saying what was compared, and whether it passed.
Criterion = Callable[[Standing], tuple[str, bool]]


def faster_than_its_reference(standing: Standing) -> tuple[str, bool]:
    minimum = MIN_RATIO_TO_REFERENCE[standing.backend]
    ratio = standing.figures.rate / standing.reference.rate
    return f"req/s {ratio:.2f}x reference-{standing.backend} >= {minimum}x", ratio >= minimum


def faster_than_the_accounts_reference(standing: Standing) -> tuple[str, bool]:
    ratio = standing.figures.rate / standing.reference.rate
    return f"req/s {ratio:.2f}x reference-fastapi-users >= {MIN_RATIO_TO_ACCOUNTS_REFERENCE}x", (
        ratio >= MIN_RATIO_TO_ACCOUNTS_REFERENCE
    )


def a_fair_tail(standing: Standing) -> tuple[str, bool]:
    ratio = standing.figures.p99_ms / standing.figures.p50_ms
    return f"p99 {ratio:.1f}x its p50 <= {MAX_P99_TO_P50:.0f}x", ratio <= MAX_P99_TO_P50


def no_new_connections(standing: Standing) -> tuple[str, bool]:
    opened = standing.figures.new_sessions
    return f"{opened} new connections once warm == {MAX_NEW_CONNECTIONS}", (
        opened == MAX_NEW_CONNECTIONS
    )
