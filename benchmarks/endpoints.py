"""The endpoint tables: every target loaded on each endpoint in turn, served the judged
way and as shipped; the auth variants beside the same backend's variants without
accounts."""

from __future__ import annotations

from argparse import Namespace

from .db import Kind
from .load import measure
from .profiling import profile
from .report import figures_of, print_auth_table, print_table, verdicts
from .served_targets import JUDGED, MODES, serving_all, signed_in
from .targets import Prepared


def measure_endpoints(prepared: Prepared, kind: Kind, args: Namespace) -> int:
    """Measure, print the tables and the verdicts; how many verdicts failed."""
    targets = prepared.targets
    tables = {}
    for mode, settings in MODES.items():
        shown = " ".join(
            [*prepared.options, *(f"{name}={value}" for name, value in settings.items())]
        )
        print(f"{prepared.answer}, {mode}: uvicorn ... {shown}", flush=True)
        logs = prepared.logs / mode.replace(" ", "-")
        with serving_all(targets, prepared.options, logs, settings) as servers:
            servers = signed_in(servers)
            tables[mode] = figures_of(measure(servers, prepared.database, args))
            if args.profile and kind.criteria and mode == JUDGED:
                profile(servers, args)
    for mode, figures in tables.items():
        title = f"{prepared.answer}, {mode}"
        judged = " (judged)" if mode == JUDGED else ""
        print_table(
            f"{title}{judged if kind.criteria else ''}: medians of {args.repetitions} runs",
            targets,
            figures,
        )
        print_auth_table(
            f"{title}{judged if kind.auth_criteria else ''}: with accounts, under the FastAPI "
            f"Users reference app and the same backend without, medians of {args.repetitions} runs",
            targets,
            figures,
        )
    print(kind.sessions_note)
    lines = verdicts(
        targets, tables[JUDGED], list(tables.values()), kind.criteria, kind.auth_criteria
    )
    if lines:
        print()
        print("\n".join(lines))
    return sum(line.startswith("FAIL") for line in lines)
