"""A whole run: for each database, its targets prepared and seeded, then each case the
run asks for that the database has (--case)."""

from __future__ import annotations

import shutil
import tempfile
from argparse import Namespace
from pathlib import Path

from .db import DATABASES
from .endpoints import measure_endpoints
from .logins import measure_logins
from .observability import measure_observability
from .scale_out import measure_scale_out
from .seeding import seed
from .targets import prepare
from .write_load import measure_write_load


def run(args: Namespace) -> int:
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
        f"{args.repetitions} repetitions, {args.warmup}s warm-up per target and endpoint",
        flush=True,
    )
    floor_pool = (
        f"{args.pool_size} connections (--pool-size)"
        if args.pool_size
        else "as many connections as the generated services keep by default"
    )
    print(
        f"floor pool: {floor_pool}; each variant uses the pool its generated code "
        "configures, each reference app its library's default",
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
    failures = 0
    # Servers stop, then the database's server, before the next database's turn.
    with kind.started(work) as database:
        prepared = prepare(answer, database, kind.floor, work, args.pool_size)
        size = prepared.floor_pool_size
        print(f"{answer}: the floor and the framework app keep {size} connections", flush=True)
        seed(prepared)
        if "endpoints" in args.case:
            failures += measure_endpoints(prepared, kind, args)
        if "write-load" in args.case and "write-load" in kind.cases:
            failures += measure_write_load(prepared, args)
        if "logins" in args.case:
            failures += measure_logins(prepared, args)
        if "observability" in args.case:
            failures += measure_observability(prepared, args)
        if "scale-out" in args.case and "scale-out" in kind.cases:
            measure_scale_out(prepared, args)
    return failures
