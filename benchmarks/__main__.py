"""Benchmark the generated services against a floor, FastAPI alone and reference apps.

    .venv/bin/python -m benchmarks            # full run: wrk -t2 -c64 -d10s, 3 repetitions
    .venv/bin/python -m benchmarks --smoke    # a quick check that everything works

For each database it bakes each variant, installs it into a fresh virtualenv, migrates a
database per target, seeds 1,000 notes, serves every target with the generated
Dockerfile's uvicorn command, loads them in turn with wrk and prints two tables: access
log off (the one the targets are judged on) and as shipped, each with the auth variants
beside the variants without accounts. On SQLite it then loads the floor, the framework
app and the variants with writers and readers at once (the write-load case). On every
database each auth variant then takes a burst of wrong logins while its account writes
notes (the logins case). Everything it started is stopped, and its temporary files are
deleted, when it ends.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
from pathlib import Path

from .db import DATABASES

# Imported by the run; benchmarks/setup installs them.
PACKAGES = (
    "aiosqlite",
    "asyncmy",
    "asyncpg",
    "cookiecutter",
    "databases",
    "fastapi",
    "psutil",
    "uv",
)
# What a run can measure (--case); a database measures those its module lists.
CASES = ("endpoints", "write-load", "logins", "observability", "scale-out")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--repetitions", type=int, default=3, help="runs per target (3)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per run (3)")
    parser.add_argument(
        "--pool-size",
        type=int,
        help="the floor's connection pool size (default: the generated services' own)",
    )
    parser.add_argument(
        "--database", choices=DATABASES, action="append", help="only this database (repeatable)"
    )
    parser.add_argument(
        "--case",
        choices=CASES,
        action="append",
        help="only this case (repeatable): endpoints, each endpoint of every target; "
        "write-load, SQLite's writers and readers at once; logins, signed-in writes "
        "during a burst of wrong logins; observability, what logs, metrics and traces "
        "cost each variant; scale-out, PostgreSQL's two replicas behind PgBouncer",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="2-second runs, 1 repetition, 1-second warm-up"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="after measuring, record py-spy profiles of the judged targets into DIR",
    )
    args = parser.parse_args(argv)
    if args.pool_size is not None and args.pool_size < 1:
        parser.error("--pool-size must be at least 1")
    if args.smoke:
        args.duration, args.repetitions, args.warmup = 2, 1, 1
    args.case = args.case or list(CASES)
    # Only the databases that have a case asked for: write-load is SQLite's alone.
    asked = args.database or list(DATABASES)
    args.database = [name for name in asked if set(args.case) & set(DATABASES[name].cases)]
    if not args.database:
        parser.error(f"--case {' '.join(args.case)} is not measured on {' '.join(asked)}")
    if args.profile:
        args.profile = args.profile.resolve()
    return args


def missing(args: argparse.Namespace) -> list[str]:
    """What the run needs that is not installed."""
    needed = [name for name in PACKAGES if importlib.util.find_spec(name) is None]
    if shutil.which("wrk") is None:
        needed.append("wrk")
    if args.profile and not (Path(sys.executable).parent / "py-spy").exists():
        needed.append("py-spy")
    for name in args.database:
        needed += DATABASES[name].missing()
    return needed


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    lacking = missing(args)
    if lacking:
        print(f"missing {', '.join(lacking)}: run `bash benchmarks/setup` first", file=sys.stderr)
        return 2
    # Only now: the run imports what benchmarks/setup installs.
    from .runner import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
