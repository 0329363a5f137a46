"""The endpoint tables of a run, and the verdicts on its targets."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from .apps import ACCOUNTS_REFERENCE_NAME
from .criteria import Criterion, Figures, Standing
from .load import ENDPOINTS, Run, Runs, endpoints_of, requests_per_second, rows_match
from .targets import Target

# Every column but the target's, whose width follows the longest name.
FIGURE_COLUMNS = (
    f"{'endpoint':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
    f"{'CPU ms/req':>11}{'new conns':>10}{'RSS MB':>8}{'non-2xx':>8}{'errors':>7}"
)


def summarize(runs: list[Run]) -> Figures:
    """The medians of a target's runs on one endpoint, and what went wrong in any."""

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    sessions = [run["new_sessions"] for run in runs]
    return Figures(
        rate=statistics.median(map(requests_per_second, runs)),
        p50_ms=median("p50_us") / 1000,
        p99_ms=median("p99_us") / 1000,
        cpu_ms=statistics.median(run["cpu"] / max(run["requests"], 1) for run in runs) * 1000,
        new_sessions=None if None in sessions else max(sessions),
        rss_mb=runs[-1]["rss"] / 2**20,
        non2xx=sum(run["non2xx"] for run in runs),
        errors=sum(run["socket_errors"] + run["timeouts"] for run in runs),
        mismatches=sum(1 for run in runs if not rows_match(run)),
    )


def figures_of(runs: Runs) -> dict[str, dict[str, Figures]]:
    return {
        name: {
            endpoint: summarize(endpoint_runs) for endpoint, endpoint_runs in by_endpoint.items()
        }
        for name, by_endpoint in runs.items()
    }


def floor_of(targets: list[Target]) -> str:
    return next(target.name for target in targets if target.role == "floor")


def unauthenticated_of(target: Target, targets: list[Target]) -> str:
    """The variant of the same backend without accounts."""
    return next(
        other.name
        for other in targets
        if other.role == "variant" and other.backend == target.backend and not other.signs_in
    )


def yardstick_of(target: Target, targets: list[Target]) -> str | None:
    """What a variant's requests/s are held to: its backend's reference app, or for an
    auth variant the FastAPI Users reference app; None for the apps."""
    if target.role != "variant":
        return None
    return ACCOUNTS_REFERENCE_NAME if target.signs_in else f"reference-{target.backend}"


def name_width(names: Iterable[str]) -> int:
    return max(map(len, names)) + 2


def print_heading(title: str, columns: str) -> None:
    print(f"\n{title}", flush=True)
    print(columns)
    print("-" * len(columns))


def figure_cells(row: Figures, label: str) -> str:
    sessions = "n/a" if row.new_sessions is None else str(row.new_sessions)
    return (
        f"{label:<22}{row.rate:>8.0f}{row.p50_ms:>9.1f}{row.p99_ms:>9.1f}{row.cpu_ms:>11.2f}"
        f"{sessions:>10}{row.rss_mb:>8.0f}{row.non2xx:>8}{row.errors:>7}"
    )


def print_table(title: str, targets: list[Target], figures: dict[str, dict[str, Figures]]) -> None:
    """Every target without accounts on every endpoint, beside its yardsticks."""
    floor = floor_of(targets)
    shown = [target for target in targets if not target.signs_in]
    width = name_width(target.name for target in shown)
    print_heading(title, f"{'target':<{width}}{FIGURE_COLUMNS}{'x ref':>7}{'x floor':>8}")
    for target in shown:
        reference = yardstick_of(target, targets)
        for endpoint, label in ENDPOINTS.items():
            row = figures[target.name][endpoint]
            to_reference = (
                f"{row.rate / figures[reference][endpoint].rate:.2f}" if reference else "-"
            )
            to_floor = row.rate / figures[floor][endpoint].rate
            print(
                f"{target.name:<{width}}{figure_cells(row, label)}{to_reference:>7}{to_floor:>8.2f}"
            )


def print_auth_table(
    title: str, targets: list[Target], figures: dict[str, dict[str, Figures]]
) -> None:
    """Each auth variant on each of its endpoints, under the FastAPI Users reference app
    and the same backend's variant without accounts, with the ratios of its requests/s
    to theirs (the second printed, never judged)."""
    auth = [target for target in targets if target.role == "variant" and target.signs_in]
    if not auth:
        return
    width = name_width([ACCOUNTS_REFERENCE_NAME, *(target.name for target in auth)])
    print_heading(title, f"{'target':<{width}}{FIGURE_COLUMNS}{'x ref':>7}{'x none':>8}")
    for endpoint, label in endpoints_of(auth[0]).items():
        reference = figures[ACCOUNTS_REFERENCE_NAME][endpoint]
        print(f"{ACCOUNTS_REFERENCE_NAME:<{width}}{figure_cells(reference, label)}{'-':>7}{'-':>8}")
        for target in auth:
            unauthenticated = unauthenticated_of(target, targets)
            without = figures[unauthenticated][endpoint]
            row = figures[target.name][endpoint]
            print(f"{unauthenticated:<{width}}{figure_cells(without, label)}{'-':>7}{'-':>8}")
            print(
                f"{target.name:<{width}}{figure_cells(row, label)}"
                f"{row.rate / reference.rate:>7.2f}{row.rate / without.rate:>8.2f}"
            )


def verdicts(
    targets: list[Target],
    judged: dict[str, dict[str, Figures]],
    every_table: list[dict[str, dict[str, Figures]]],
    criteria: tuple[Criterion, ...],
    auth_criteria: tuple[Criterion, ...] = (),
) -> list[str]:
    """PASS or FAIL per criterion, variant and endpoint on the judged table (an auth
    variant's on `auth_criteria`), and a FAIL wherever rows added did not match the 201s
    counted, in any table."""
    lines = []
    for target in targets:
        for endpoint, label in endpoints_of(target).items():
            if any(figures[target.name][endpoint].mismatches for figures in every_table):
                lines.append(f"FAIL {target.name} {label}: rows added != 201s counted")
            yardstick = yardstick_of(target, targets)
            if yardstick is None or target.backend is None:
                continue
            standing = Standing(
                target.backend,
                judged[target.name][endpoint],
                judged[yardstick][endpoint],
            )
            for criterion in auth_criteria if target.signs_in else criteria:
                text, passed = criterion(standing)
                lines.append(f"{'PASS' if passed else 'FAIL'} {target.name} {label}: {text}")
    return lines
