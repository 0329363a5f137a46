"""The tables of a run, and the verdicts on its targets."""

from __future__ import annotations

import statistics

from .criteria import Criterion, Figures, Standing
from .load import ENDPOINTS, Run, Runs, requests_per_second, rows_match
from .targets import Target

COLUMNS = (
    f"{'target':<22}{'endpoint':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
    f"{'CPU ms/req':>11}{'new conns':>10}{'RSS MB':>8}{'non-2xx':>8}{'errors':>7}"
    f"{'x ref':>7}{'x floor':>8}"
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


def reference_of(target: Target) -> str | None:
    """The name of the reference app a variant is judged against."""
    return f"reference-{target.backend}" if target.role == "variant" else None


def print_table(title: str, targets: list[Target], figures: dict[str, dict[str, Figures]]) -> None:
    floor = floor_of(targets)
    print(f"\n{title}", flush=True)
    print(COLUMNS)
    print("-" * len(COLUMNS))
    for target in targets:
        reference = reference_of(target)
        for endpoint, label in ENDPOINTS.items():
            row = figures[target.name][endpoint]
            to_reference = (
                f"{row.rate / figures[reference][endpoint].rate:.2f}" if reference else "-"
            )
            to_floor = row.rate / figures[floor][endpoint].rate
            sessions = "n/a" if row.new_sessions is None else str(row.new_sessions)
            print(
                f"{target.name:<22}{label:<22}{row.rate:>8.0f}{row.p50_ms:>9.1f}"
                f"{row.p99_ms:>9.1f}{row.cpu_ms:>11.2f}{sessions:>10}{row.rss_mb:>8.0f}"
                f"{row.non2xx:>8}{row.errors:>7}{to_reference:>7}{to_floor:>8.2f}"
            )


def verdicts(
    targets: list[Target],
    judged: dict[str, dict[str, Figures]],
    every_table: list[dict[str, dict[str, Figures]]],
    criteria: tuple[Criterion, ...],
) -> list[str]:
    """PASS or FAIL per criterion, variant and endpoint on the judged table, and a FAIL
    wherever rows added did not match the 201s counted, in any table."""
    floor = floor_of(targets)
    lines = []
    for target in targets:
        for endpoint, label in ENDPOINTS.items():
            if any(figures[target.name][endpoint].mismatches for figures in every_table):
                lines.append(f"FAIL {target.name} {label}: rows added != 201s counted")
            reference = reference_of(target)
            if reference is None or target.backend is None:
                continue
            standing = Standing(
                target.backend,
                judged[target.name][endpoint],
                judged[reference][endpoint],
                judged[floor][endpoint],
            )
            for criterion in criteria:
                text, passed = criterion(standing)
                lines.append(f"{'PASS' if passed else 'FAIL'} {target.name} {label}: {text}")
    return lines
