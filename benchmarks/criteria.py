"""What a generated service must achieve, each a check of one target on one endpoint.

Each database module lists the criteria its targets are judged on, on the table with
the access log off; the write-load verdicts (write_report.py) take their thresholds
from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Requests/s at least this share of what the backend's reference app serves.
MIN_RATIO_TO_REFERENCE = {"orm": 1.2, "databases": 1.0}
# An auth variant's requests/s at least this share of the same backend's without accounts.
MIN_RATIO_TO_UNAUTHENTICATED = 0.5
MAX_P99_RATIO_TO_FLOOR = 4.0

# Under write load on SQLite, at synchronous=FULL, each variant against the floor
# (write_report.py): POST p99 and requests/s, and GET p99 beside the writers.
MAX_POST_P99_TO_FLOOR = 2.0
MIN_POST_RATE_TO_FLOOR = 0.7
MAX_GET_P99_TO_FLOOR = 3.0


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
    """A variant's figures beside its yardsticks' on the same endpoint."""

    backend: str
    figures: Figures
    # What its requests/s are held to: its backend's reference app, or for an auth
    # variant the same backend's variant without accounts.
    reference: Figures
    floor: Figures


# A line saying what was compared, and whether it passed.
Criterion = Callable[[Standing], tuple[str, bool]]


def faster_than_its_reference(standing: Standing) -> tuple[str, bool]:
    minimum = MIN_RATIO_TO_REFERENCE[standing.backend]
    ratio = standing.figures.rate / standing.reference.rate
    return f"req/s {ratio:.2f}x reference-{standing.backend} >= {minimum}x", ratio >= minimum


def half_as_fast_as_without_accounts(standing: Standing) -> tuple[str, bool]:
    ratio = standing.figures.rate / standing.reference.rate
    return f"req/s {ratio:.2f}x auth=none >= {MIN_RATIO_TO_UNAUTHENTICATED}x", (
        ratio >= MIN_RATIO_TO_UNAUTHENTICATED
    )


def p99_near_the_floor(standing: Standing) -> tuple[str, bool]:
    ratio = standing.figures.p99_ms / standing.floor.p99_ms
    return f"p99 {ratio:.1f}x floor <= {MAX_P99_RATIO_TO_FLOOR:.0f}x", (
        ratio <= MAX_P99_RATIO_TO_FLOOR
    )


def no_new_connections(standing: Standing) -> tuple[str, bool]:
    opened = standing.figures.new_sessions
    return f"{opened} new connections once warm == 0", opened == 0
