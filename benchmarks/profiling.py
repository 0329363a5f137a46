"""py-spy profiles of served targets under load, summarised by package and function."""

from __future__ import annotations

import collections
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

from .load import endpoints_of, wrk
from .served_targets import Server


def profile(servers: list[Server], args: Namespace) -> None:
    """Record each server with py-spy while wrk loads each endpoint; print where it was."""
    args.profile.mkdir(parents=True, exist_ok=True)
    py_spy = str(Path(sys.executable).parent / "py-spy")
    for server in servers:
        for endpoint in endpoints_of(server.target):
            raw = args.profile / f"{server.target.name}-{endpoint}.txt"
            recorder = subprocess.Popen(
                [py_spy, "record", "--pid", str(server.pid), "--format", "raw",
                 "--rate", "200", "--duration", str(args.duration), "--output", str(raw)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            wrk(server, endpoint, args.duration, args)
            recorder.wait(timeout=60)
            print(f"profile: {raw.name}")
            print(profile_summary(raw))


def profile_summary(raw: Path, top: int = 12) -> str:
    """Where the samples were: by package and by function, innermost frame only."""
    total = 0
    packages: collections.Counter[str] = collections.Counter()
    functions: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        innermost = stack.rsplit(";", 1)[-1]
        packages[package_of(innermost)] += count
        functions[innermost] += count
    if not total:
        return "  (no samples)"
    shares = ", ".join(f"{name} {100 * n / total:.0f}%" for name, n in packages.most_common(top))
    lines = [f"  {total} samples; by package: {shares}", "  by function:"]
    for frame, count in functions.most_common(top):
        lines.append(f"    {100 * count / total:5.1f}%  {frame}")
    return "\n".join(lines)


def package_of(frame: str) -> str:
    # py-spy raw frames read "function (package/module.py:line)", paths relative to sys.path.
    path = frame.rpartition(" (")[2].rstrip(")").rpartition(":")[0]
    return path.split("/", 1)[0].removesuffix(".py") or "?"
