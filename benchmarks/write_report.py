"""The write-load tables, and the verdicts on the variants under write load.

Judged at synchronous=FULL, each variant against the floor: no timeouts, non-2xx or
socket errors; GET p99 under the write load at most 3x the floor's; and for `databases`
POST p99 at most 2x the floor's (with fair queueing the wait is the queue, not the
framework) and POST requests/s at least 0.7x the floor's (`orm`'s are INFO lines). Rows
added must match the 201s in every table, and no variant may answer a 500 with two
workers on one file. The framework app is held to the same criteria for scale, as INFO
lines: how much of each budget FastAPI alone uses.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Collection
from dataclasses import dataclass

from .criteria import MAX_GET_P99_TO_FLOOR, MAX_POST_P99_TO_FLOOR, MIN_POST_RATE_TO_FLOOR
from .load import Run, requests_per_second, rows_match
from .report import name_width, print_heading

# A run under write load: what the writers' wrk and the readers' wrk measured.
WriteRun = tuple[Run, Run]
# The tables: at each `synchronous`, and with two workers (at FULL).
FULL, NORMAL, TWO_WORKERS = "FULL", "NORMAL", "two workers"


@dataclass(frozen=True)
class WriteFigures:
    """One target's medians under write load, and the counts of all its runs."""

    post_rate: float
    post_p50_ms: float
    post_p99_ms: float
    get_rate: float
    get_p99_ms: float
    non2xx: int
    socket_errors: int
    timeouts: int
    status_500: int
    created: int  # 201s
    rows_added: int
    mismatches: int  # runs whose rows added did not match their 201s


def summarize(runs: list[WriteRun]) -> WriteFigures:
    writes = [run for run, _ in runs]
    reads = [run for _, run in runs]
    both = writes + reads

    def median(of: list[Run], key: str) -> float:
        return statistics.median(run[key] for run in of)

    def total(key: str) -> int:
        return sum(run[key] for run in both)

    return WriteFigures(
        post_rate=statistics.median(map(requests_per_second, writes)),
        post_p50_ms=median(writes, "p50_us") / 1000,
        post_p99_ms=median(writes, "p99_us") / 1000,
        get_rate=statistics.median(map(requests_per_second, reads)),
        get_p99_ms=median(reads, "p99_us") / 1000,
        non2xx=total("non2xx"),
        socket_errors=total("socket_errors"),
        timeouts=total("timeouts"),
        status_500=total("status_500"),
        created=sum(run["created"] for run in writes),
        rows_added=sum(run["new_rows"] for run in writes),
        mismatches=sum(1 for run in writes if not rows_match(run)),
    )


def write_figures_of(runs: dict[str, list[WriteRun]]) -> dict[str, WriteFigures]:
    return {name: summarize(target_runs) for name, target_runs in runs.items()}


def print_write_table(title: str, figures: dict[str, WriteFigures]) -> None:
    width = name_width(figures)
    columns = (
        f"{'target':<{width}}{'POST req/s':>11}{'POST p50 ms':>12}{'POST p99 ms':>12}"
        f"{'GET req/s':>10}{'GET p99 ms':>11}{'non-2xx':>8}{'500s':>6}{'socket err':>11}"
        f"{'timeouts':>9}{'rows added':>11}{'201s':>8}"
    )
    print_heading(title, columns)
    for name, row in figures.items():
        print(
            f"{name:<{width}}{row.post_rate:>11.0f}{row.post_p50_ms:>12.1f}"
            f"{row.post_p99_ms:>12.1f}{row.get_rate:>10.0f}{row.get_p99_ms:>11.1f}"
            f"{row.non2xx:>8}{row.status_500:>6}{row.socket_errors:>11}{row.timeouts:>9}"
            f"{row.rows_added:>11}{row.created:>8}"
        )


def print_synchronous_change(
    full: dict[str, WriteFigures], normal: dict[str, WriteFigures]
) -> None:
    """What synchronous=NORMAL changes against FULL in POST requests/s and p99."""
    width = name_width(full)
    columns = (
        f"{'target':<{width}}{'POST req/s FULL':>16}{'NORMAL':>8}{'change':>8}"
        f"{'POST p99 ms FULL':>18}{'NORMAL':>8}{'change':>8}"
    )
    print_heading("synchronous=NORMAL against FULL, under the same write load", columns)
    for name, before in full.items():
        after = normal[name]
        print(
            f"{name:<{width}}{before.post_rate:>16.0f}{after.post_rate:>8.0f}"
            f"{change(before.post_rate, after.post_rate):>8}{before.post_p99_ms:>18.1f}"
            f"{after.post_p99_ms:>8.1f}{change(before.post_p99_ms, after.post_p99_ms):>8}"
        )


def change(before: float, after: float) -> str:
    return f"{100 * (after - before) / before:+.0f}%" if before else "-"


# A line saying what was compared, and whether it passed: a variant beside the floor.
WriteCriterion = Callable[[WriteFigures, WriteFigures], tuple[str, bool]]


def nothing_failed(variant: WriteFigures, floor: WriteFigures) -> tuple[str, bool]:
    failed = variant.timeouts + variant.non2xx + variant.socket_errors
    return (
        f"{variant.timeouts} timeouts, {variant.non2xx} non-2xx, "
        f"{variant.socket_errors} socket errors == 0"
    ), failed == 0


def post_p99_near_the_floor(variant: WriteFigures, floor: WriteFigures) -> tuple[str, bool]:
    ratio = variant.post_p99_ms / floor.post_p99_ms
    return f"POST p99 {ratio:.1f}x floor <= {MAX_POST_P99_TO_FLOOR:.0f}x", (
        ratio <= MAX_POST_P99_TO_FLOOR
    )


def post_rate_near_the_floor(variant: WriteFigures, floor: WriteFigures) -> tuple[str, bool]:
    ratio = variant.post_rate / floor.post_rate
    return f"POST req/s {ratio:.2f}x floor >= {MIN_POST_RATE_TO_FLOOR}x", (
        ratio >= MIN_POST_RATE_TO_FLOOR
    )


def get_p99_near_the_floor(variant: WriteFigures, floor: WriteFigures) -> tuple[str, bool]:
    ratio = variant.get_p99_ms / floor.get_p99_ms
    return f"GET p99 {ratio:.1f}x floor <= {MAX_GET_P99_TO_FLOOR:.0f}x", (
        ratio <= MAX_GET_P99_TO_FLOOR
    )


WRITE_CRITERIA: tuple[WriteCriterion, ...] = (
    nothing_failed,
    post_p99_near_the_floor,
    post_rate_near_the_floor,
    get_p99_near_the_floor,
)
# Judged only for the variants whose POST figures are (post_judged); the others' are INFO.
POST_CRITERIA = (post_p99_near_the_floor, post_rate_near_the_floor)


def rows_match_the_201s(row: WriteFigures) -> tuple[str, bool]:
    return (
        f"rows added == 201s ({row.rows_added} for {row.created}; "
        "the rest were in flight when wrk stopped)"
    ), row.mismatches == 0


def no_500s(row: WriteFigures) -> tuple[str, bool]:
    return f"{row.status_500} x 500 == 0", row.status_500 == 0


def write_verdicts(
    floor: str,
    framework: str,
    full: dict[str, WriteFigures],
    normal: dict[str, WriteFigures],
    two_workers: dict[str, WriteFigures],
    post_judged: Collection[str],
) -> list[str]:
    """PASS or FAIL: per criterion and variant at FULL; whether rows added matched the
    201s, for every target in every table; and, with two workers, whether any 500 was
    answered. The framework app's standing on the criteria is INFO, never a failure, and
    so are the POST figures of the variants not in `post_judged`."""
    lines = []

    def judge(name: str, table: str, verdict: tuple[str, bool]) -> None:
        text, passed = verdict
        lines.append(f"{'PASS' if passed else 'FAIL'} {name} write load, {table}: {text}")

    def show(name: str, table: str, verdict: tuple[str, bool]) -> None:
        text, _ = verdict
        lines.append(f"INFO {name} write load, {table}: {text} (not judged)")

    for name, row in full.items():
        if name == framework:
            for criterion in WRITE_CRITERIA:
                show(name, FULL, criterion(row, full[floor]))
        elif name != floor:
            for criterion in WRITE_CRITERIA:
                shown = criterion in POST_CRITERIA and name not in post_judged
                (show if shown else judge)(name, FULL, criterion(row, full[floor]))
        judge(name, FULL, rows_match_the_201s(row))
    for name, row in normal.items():
        judge(name, NORMAL, rows_match_the_201s(row))
    for name, row in two_workers.items():
        judge(name, TWO_WORKERS, no_500s(row))
        judge(name, TWO_WORKERS, rows_match_the_201s(row))
    return lines
