"""Loading the servers with wrk (and wrk.lua), interleaved, and what each run did to the
server and its database."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from argparse import Namespace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .db import Database
from .targets import NOTES

if TYPE_CHECKING:
    # Only a type here: serving imports psutil, which the tests of the report lack.
    from .serving import Server

ENDPOINTS = {"get": "GET /notes/{id}", "list": "GET /notes?limit=50", "post": "POST /notes"}
SCRIPT = Path(__file__).with_name("wrk.lua")

# What one wrk run measured, as wrk.lua prints it, and what was counted around it.
Run = dict[str, Any]
# Every run of each target (by name) on each endpoint.
Runs = dict[str, dict[str, list[Run]]]


def wrk(server: Server, endpoint: str, seconds: int, args: Namespace) -> Run:
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--latency",
        "-s", str(SCRIPT), server.url,
    ]  # fmt: skip
    env = {
        **os.environ,
        "BENCH_ENDPOINT": endpoint,
        "BENCH_NOTES": str(NOTES),
        # Makes each run's note texts its own: the notes table keeps texts unique.
        "BENCH_RUN": secrets.token_hex(4),
    }
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    figures: Run = json.loads(lines[0].removeprefix("BENCH "))
    return figures


def rows_match(run: Run) -> bool:
    """Every 201 is a row, and every other new row is a request wrk dropped in flight."""
    created, new_rows = run["created"], run["new_rows"]
    return bool(created <= new_rows <= created + run["in_flight"])


def measured_run(server: Server, endpoint: str, database: Database, args: Namespace) -> Run:
    name = server.target.database
    sessions_before = database.sessions(name)
    rows_before = database.rows(name)
    cpu_before = server.cpu_seconds()
    run = wrk(server, endpoint, args.duration, args)
    run["cpu"] = server.cpu_seconds() - cpu_before
    run["rss"] = server.rss_bytes()
    database.settle()
    sessions_after = database.sessions(name)
    run["new_sessions"] = (
        None
        if sessions_before is None or sessions_after is None
        else sessions_after - sessions_before
    )
    run["new_rows"] = database.rows(name) - rows_before
    return run


def measure(servers: list[Server], database: Database, args: Namespace) -> Runs:
    """Warm every server up, then run each endpoint on each server in turn, repeatedly."""
    for server in servers:
        for endpoint in ENDPOINTS:
            wrk(server, endpoint, args.warmup, args)
    database.settle()
    runs: Runs = {
        server.target.name: {endpoint: [] for endpoint in ENDPOINTS} for server in servers
    }
    for repetition in range(1, args.repetitions + 1):
        for endpoint, label in ENDPOINTS.items():
            for server in servers:
                run = measured_run(server, endpoint, database, args)
                runs[server.target.name][endpoint].append(run)
                rate = run["requests"] / (run["duration_us"] / 1e6)
                print(
                    f"  run {repetition}: {server.target.name:<22} {label:<20} "
                    f"{rate:8.0f} req/s, {run['new_sessions']} new connections",
                    flush=True,
                )
                if not rows_match(run):
                    print(
                        f"!!! MISMATCH: {server.target.name} answered {run['created']} x 201 "
                        f"with {run['in_flight']} requests in flight when wrk stopped, "
                        f"but {run['new_rows']} rows were added",
                        flush=True,
                    )
    return runs
