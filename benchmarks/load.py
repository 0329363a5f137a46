"""Loading the servers with wrk (and wrk.lua), interleaved, and what each run did to the
server and its database."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
from argparse import Namespace
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .db import Database
from .targets import NOTES, Target

if TYPE_CHECKING:
    # Only a type here: serving imports psutil, which the tests of the report lack.
    from .served_targets import Server

ENDPOINTS = {"get": "GET /notes/{id}", "list": "GET /notes?limit=50", "post": "POST /notes"}
# What an auth variant is measured on: reading one of its notes, and creating one.
AUTHENTICATED = ("get", "post")
SCRIPT = Path(__file__).with_name("wrk.lua")

# What one wrk run measured, as wrk.lua prints it, and what was counted around it.
Run = dict[str, Any]
# Every run of each target (by name) on each endpoint.
Runs = dict[str, dict[str, list[Run]]]


@dataclass(frozen=True)
class Load:
    """What one wrk process sends."""

    endpoint: str
    connections: int
    threads: int
    # wrk leaves an answer slower than this out of the latencies and counts a timeout;
    # None keeps wrk's default, 2 s.
    timeout_s: int | None = None
    # Count the 201s and 500s of any endpoint, not only of POST (see wrk.lua).
    count_answers: bool = False


def start_wrk(server: Server, load: Load, seconds: int) -> subprocess.Popen[str]:
    command = ["wrk", f"-t{load.threads}", f"-c{load.connections}", f"-d{seconds}s", "--latency"]
    if load.timeout_s is not None:
        command += ["--timeout", f"{load.timeout_s}s"]
    command += ["-s", str(SCRIPT), server.url]
    env = {
        **os.environ,
        "BENCH_ENDPOINT": load.endpoint,
        "BENCH_NOTES": str(NOTES),
        # Makes each run's note texts its own: the notes table keeps texts unique.
        "BENCH_RUN": secrets.token_hex(4),
        "BENCH_COUNT": "1" if load.count_answers else "0",
    }
    if server.token is not None:
        env["BENCH_TOKEN"] = server.token
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def finished_wrk(process: subprocess.Popen[str]) -> Run:
    """What a wrk process measured, once it has ended."""
    stdout, stderr = process.communicate()
    lines = [line for line in stdout.splitlines() if line.startswith("BENCH ")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"{shlex.join(process.args)} failed:\n{stdout}{stderr}")
    figures: Run = json.loads(lines[0].removeprefix("BENCH "))
    return figures


def wrk(server: Server, endpoint: str, seconds: int, args: Namespace) -> Run:
    """One wrk process on one endpoint, with --threads and --connections."""
    return finished_wrk(start_wrk(server, Load(endpoint, args.connections, args.threads), seconds))


def endpoints_of(target: Target) -> dict[str, str]:
    """The endpoints a target is measured on, with their labels."""
    if target.signs_in:
        return {endpoint: ENDPOINTS[endpoint] for endpoint in AUTHENTICATED}
    return ENDPOINTS


def requests_per_second(run: Run) -> float:
    return float(run["requests"] / (run["duration_us"] / 1e6))


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
        for endpoint in endpoints_of(server.target):
            wrk(server, endpoint, args.warmup, args)
    database.settle()
    runs: Runs = {
        server.target.name: {endpoint: [] for endpoint in endpoints_of(server.target)}
        for server in servers
    }
    for repetition in range(1, args.repetitions + 1):
        for endpoint, label in ENDPOINTS.items():
            for server in servers:
                if endpoint not in endpoints_of(server.target):
                    continue
                run = measured_run(server, endpoint, database, args)
                runs[server.target.name][endpoint].append(run)
                print(
                    f"  run {repetition}: {server.target.name:<34} {label:<20} "
                    f"{requests_per_second(run):8.0f} req/s, "
                    f"{run['new_sessions']} new connections",
                    flush=True,
                )
                warn_unless_rows_match(server.target.name, run)
    return runs


def warn_unless_rows_match(name: str, run: Run) -> None:
    if not rows_match(run):
        print(
            f"!!! MISMATCH: {name} answered {run['created']} x 201 "
            f"with {run['in_flight']} requests in flight when wrk stopped, "
            f"but {run['new_rows']} rows were added",
            flush=True,
        )
