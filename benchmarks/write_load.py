"""SQLite under write load: 64 clients POST notes no other request has sent while 16 more
read notes by id, on one target at a time, for the floor, the framework app and each
variant without accounts, served the judged way (access log off).

It runs three times over: at `synchronous=FULL` (the services' default, and the table
they are judged on), at `synchronous=NORMAL`, and with each variant served by two
uvicorn workers on one database file at FULL. write_report.py makes the tables and
the verdicts; round_trips.py then counts each variant's calls into aiosqlite's threads
per create.
"""

from __future__ import annotations

from argparse import Namespace
from dataclasses import replace

from .criteria import POST_JUDGED_UNDER_WRITE_LOAD
from .load import Load, finished_wrk, requests_per_second, start_wrk, warn_unless_rows_match
from .round_trips import measure_round_trips
from .served_targets import JUDGED, MODES, Server, serving_all
from .targets import Prepared, Target
from .write_report import (
    FULL,
    NORMAL,
    TWO_WORKERS,
    WriteRun,
    print_synchronous_change,
    print_write_table,
    write_figures_of,
    write_verdicts,
)

WRITERS = 64
READERS = 16
# wrk leaves an answer slower than its --timeout out of the latencies and counts a
# timeout instead. The services answer 503 at the latest once DATABASE_POOL_TIMEOUT
# (10 s by default) has passed, and a run lasts 10 s: at 30 s every answer a run sees
# is recorded with its latency, so that a slow answer counts as slow, not as lost.
TIMEOUT_S = 30
# How each target is told its `synchronous`: the floor's setting (which the framework
# app shares), and the services'.
SYNCHRONOUS_SETTING = {
    "floor": "FLOOR_SYNCHRONOUS",
    "framework": "FLOOR_SYNCHRONOUS",
    "variant": "DATABASE_SYNCHRONOUS",
}


def measure_write_load(prepared: Prepared, args: Namespace) -> int:
    """Measure, print the tables and the verdicts; how many verdicts failed."""
    floor = next(target for target in prepared.targets if target.role == "floor")
    framework = next(target for target in prepared.targets if target.role == "framework")
    variants = [
        target for target in prepared.targets if target.role == "variant" and not target.signs_in
    ]
    options = prepared.options
    tables = {}
    for level in (FULL, NORMAL):
        served = [at_synchronous(target, level) for target in (floor, framework, *variants)]
        tables[level] = write_figures_of(loaded_in_turn(served, options, prepared, level, args))
    two_workers = with_workers(options, 2)
    runs = loaded_in_turn(variants, two_workers, prepared, TWO_WORKERS, args)
    tables[TWO_WORKERS] = write_figures_of(runs)

    load = f"{WRITERS} clients POST while {READERS} GET /notes/{{id}}, wrk --timeout {TIMEOUT_S}s"
    medians = f"medians of {args.repetitions} runs"
    title = f"{prepared.answer}, write load"
    print_write_table(f"{title} at synchronous=FULL (judged): {load}; {medians}", tables[FULL])
    print_write_table(f"{title} at synchronous=NORMAL: {load}; {medians}", tables[NORMAL])
    print_synchronous_change(tables[FULL], tables[NORMAL])
    print_write_table(
        f"{title} with {TWO_WORKERS} on one file at synchronous=FULL: "
        f"uvicorn ... {' '.join(two_workers)}; {medians}",
        tables[TWO_WORKERS],
    )
    # Where orm's creates spend the write lock's time: printed, its POST figures not judged.
    measure_round_trips(prepared)
    post_judged = {
        variant.name for variant in variants if variant.backend in POST_JUDGED_UNDER_WRITE_LOAD
    }
    lines = write_verdicts(
        floor.name, framework.name, tables[FULL], tables[NORMAL], tables[TWO_WORKERS], post_judged
    )
    print()
    print("\n".join(lines))
    return sum(line.startswith("FAIL") for line in lines)


def at_synchronous(target: Target, level: str) -> Target:
    setting = SYNCHRONOUS_SETTING[target.role]
    return replace(target, env={**target.env, setting: level})


def with_workers(options: list[str], workers: int) -> list[str]:
    """uvicorn's options with another number of worker processes."""
    at = options.index("--workers")
    return [*options[: at + 1], str(workers), *options[at + 2 :]]


def loaded_in_turn(
    targets: list[Target], options: list[str], prepared: Prepared, name: str, args: Namespace
) -> dict[str, list[WriteRun]]:
    """Serve the targets, warm each up, then load each in turn, repeatedly; the runs of
    each target by name."""
    print(f"{prepared.answer}, write load, {name}: uvicorn ... {' '.join(options)}", flush=True)
    logs = prepared.logs / f"write-load-{name.replace(' ', '-')}"
    with serving_all(targets, options, logs, MODES[JUDGED]) as servers:
        for server in servers:
            writes_and_reads(server, args.warmup, args)
        runs: dict[str, list[WriteRun]] = {server.target.name: [] for server in servers}
        for repetition in range(1, args.repetitions + 1):
            for server in servers:
                run = measured_run(server, prepared, args)
                runs[server.target.name].append(run)
                writes, reads = run
                print(
                    f"  run {repetition}: {server.target.name:<34} {name:<12} "
                    f"POST {requests_per_second(writes):6.0f} req/s, "
                    f"GET {requests_per_second(reads):6.0f} req/s",
                    flush=True,
                )
                warn_unless_rows_match(server.target.name, writes)
    return runs


def measured_run(server: Server, prepared: Prepared, args: Namespace) -> WriteRun:
    """One run, and the rows it added."""
    name = server.target.database
    rows_before = prepared.database.rows(name)
    writes, reads = writes_and_reads(server, args.duration, args)
    writes["new_rows"] = prepared.database.rows(name) - rows_before
    return writes, reads


def writes_and_reads(server: Server, seconds: int, args: Namespace) -> WriteRun:
    """Two wrk processes at once: the writers' and the readers'."""
    writers = Load("post", WRITERS, args.threads, TIMEOUT_S, count_answers=True)
    readers = Load("get", READERS, args.threads, TIMEOUT_S, count_answers=True)
    writing = start_wrk(server, writers, seconds)
    reading = start_wrk(server, readers, seconds)
    return finished_wrk(writing), finished_wrk(reading)
