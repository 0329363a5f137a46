"""Where an SQLite variant's creates spend their time: the calls aiosqlite makes into its
connections' threads per `POST /notes`, each a round trip from the event loop to a
thread and back, counted by a hook the benchmark loads into the served process
(thread_calls/sitecustomize.py), never by the service. Printed, not judged.

Each variant without accounts is served alone, the judged way at synchronous=FULL, and
sent CREATES notes one after another once warm; what the write lock is held for is what
these calls do between `BEGIN IMMEDIATE` and the commit.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import time
from dataclasses import replace
from pathlib import Path

from harness.serving import post

from .report import name_width, print_heading
from .served_targets import JUDGED, MODES, Server, serving_all
from .targets import Prepared, Target

CREATES = 200
WARM_UP = 20
HOOK = Path(__file__).with_name("thread_calls")
# name: [calls, seconds in the thread, seconds awaited]
Calls = dict[str, list[float]]


def measure_round_trips(prepared: Prepared) -> None:
    variants = [t for t in prepared.targets if t.role == "variant" and not t.signs_in]
    options = prepared.options
    logs = prepared.logs / "round-trips"
    counted = {}
    for target in variants:
        output = logs / f"{target.name}.json"
        with serving_all([hooked(target, output)], options, logs, MODES[JUDGED]) as (server,):
            create(server, WARM_UP)
            before = snapshot(server, output)
            create(server, CREATES)
            counted[target.name] = difference(snapshot(server, output), before)
    print_round_trips(prepared.answer, counted)


def hooked(target: Target, output: Path) -> Target:
    path = os.pathsep.join(filter(None, [str(HOOK), target.env.get("PYTHONPATH")]))
    return replace(
        target, env={**target.env, "PYTHONPATH": path, "BENCH_THREAD_CALLS": str(output)}
    )


def create(server: Server, notes: int) -> None:
    run = secrets.token_hex(4)
    for number in range(notes):
        status, text = post(f"{server.url}/notes", {"text": f"round trips {run} {number}"})
        if status != 201:
            raise RuntimeError(f"{server.target.name} answered {status} to a create: {text}")


def snapshot(server: Server, output: Path) -> Calls:
    """The counts so far, which the hook writes when signalled."""
    output.unlink(missing_ok=True)
    os.kill(server.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while not output.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.target.name}: no thread call counts in {output}")
        time.sleep(0.05)
    calls: Calls = json.loads(output.read_text())
    return calls


def difference(after: Calls, before: Calls) -> Calls:
    zero = [0, 0.0, 0.0]
    return {
        name: [now - then for now, then in zip(figures, before.get(name, zero), strict=True)]
        for name, figures in after.items()
        if figures[0] > before.get(name, zero)[0]
    }


def print_round_trips(answer: str, counted: dict[str, Calls]) -> None:
    width = name_width([*counted, "target"])
    columns = f"{'target':<{width}}{'call':<18}{'per POST':>9}{'thread ms':>11}{'awaited ms':>12}"
    print_heading(
        f"{answer}: aiosqlite's round trips to its threads per POST /notes, {CREATES} creates "
        f"one after another at synchronous=FULL, {JUDGED} (counted by the benchmark; not "
        "judged); ms per POST",
        columns,
    )
    for name, calls in counted.items():
        ordered = sorted(calls.items(), key=lambda item: -item[1][0])
        total = [sum(figures[index] for _, figures in ordered) for index in range(3)]
        for call, (count, in_thread, awaited) in [*ordered, ("all", total)]:
            print(
                f"{name:<{width}}{call:<18}{count / CREATES:>9.2f}"
                f"{1000 * in_thread / CREATES:>11.3f}{1000 * awaited / CREATES:>12.3f}"
            )
