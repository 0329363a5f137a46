"""A whole run: for each database, its targets prepared, served the judged way and as
shipped, measured, tabled and judged."""

from __future__ import annotations

import shutil
import tempfile
from argparse import Namespace
from pathlib import Path

from .db import DATABASES
from .load import measure
from .profiling import profile
from .report import figures_of, print_table, verdicts
from .serving import JUDGED, MODES, serving_all
from .targets import prepare


def run(args: Namespace) -> int:
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
        f"{args.repetitions} repetitions, {args.warmup}s warm-up per target and endpoint",
        flush=True,
    )
    print(
        f"floor pool: {args.pool_size} connections (--pool-size); each variant uses the pool "
        "its generated code configures, each reference app its library's default",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="notes-bench-"))
    try:
        failures = sum(run_on(answer, work / answer, args) for answer in args.database)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


def run_on(answer: str, work: Path, args: Namespace) -> int:
    """Measure every target on one database; how many verdicts failed."""
    kind = DATABASES[answer]
    work.mkdir(parents=True)
    # Servers stop, then the database's server, before the next database's turn.
    with kind.started(work) as database:
        targets, options = prepare(answer, database, kind.floor, work, args.pool_size)
        tables = {}
        for mode, extra in MODES.items():
            print(f"{answer}, {mode}: uvicorn ... {' '.join([*options, *extra])}", flush=True)
            logs = work / "logs" / mode.replace(" ", "-")
            with serving_all(targets, [*options, *extra], logs) as servers:
                tables[mode] = figures_of(measure(servers, database, args))
                if args.profile and kind.criteria and mode == JUDGED:
                    profile(servers, args)
    for mode, figures in tables.items():
        title = f"{answer}, {mode}{' (judged)' if mode == JUDGED and kind.criteria else ''}"
        print_table(f"{title}: medians of {args.repetitions} runs", targets, figures)
    print(kind.sessions_note)
    lines = verdicts(targets, tables[JUDGED], list(tables.values()), kind.criteria)
    if lines:
        print()
        print("\n".join(lines))
    return sum(line.startswith("FAIL") for line in lines)
