"""Counts the calls aiosqlite makes into its connections' threads, in a process the
benchmark serves with this folder on PYTHONPATH (benchmarks/round_trips.py); the
service's own code is unchanged.

Each call is counted by the name of what it runs in the thread (`execute`, `commit`,
`fetchone`, ...), with the seconds it ran there and the seconds the caller awaited it.
On SIGUSR1 the counts so far are written, as JSON, to the file BENCH_THREAD_CALLS names.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from types import FrameType
from typing import Any


def install(output: Path) -> None:
    try:
        from aiosqlite import core
    except ImportError:
        return
    # name: [calls, seconds in the thread, seconds awaited]
    calls: dict[str, list[float]] = {}
    original = core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        in_thread = [0.0]

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                in_thread[0] = time.perf_counter() - started

        started = time.perf_counter()
        try:
            return await original(self, timed, *args, **kwargs)
        finally:
            # Counted on the event loop's thread alone, where the signal handler runs too.
            entry = calls.setdefault(getattr(fn, "__name__", type(fn).__name__), [0, 0.0, 0.0])
            entry[0] += 1
            entry[1] += in_thread[0]
            entry[2] += time.perf_counter() - started

    def write(signum: int, frame: FrameType | None) -> None:
        partial = output.with_suffix(".partial")
        partial.write_text(json.dumps(calls))
        partial.replace(output)

    core.Connection._execute = counted  # type: ignore[method-assign]
    signal.signal(signal.SIGUSR1, write)


if os.environ.get("BENCH_THREAD_CALLS"):
    install(Path(os.environ["BENCH_THREAD_CALLS"]))
