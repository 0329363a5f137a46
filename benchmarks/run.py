"""Benchmark the generated services against a raw floor, with one command.

    .venv/bin/python benchmarks/run.py            # full run: wrk -t2 -c64 -d10s, 3 repetitions
    .venv/bin/python benchmarks/run.py --smoke    # a quick check that everything works

It installs wrk and the PostgreSQL server programs from Debian when they are missing,
builds a virtualenv for itself from benchmarks/requirements.txt in a temporary folder and
runs again inside it. There it bakes each variant, installs it into a fresh virtualenv,
migrates a database, seeds 1,000 notes, serves it and the floor (benchmarks/floor.py) with
the generated Dockerfile's uvicorn command, loads them in turn with wrk and prints a table
per database.
Every server and the PostgreSQL cluster it started are stopped, and the temporary folder
is deleted, when it ends.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT))

from harness.dockerfile import production_command  # noqa: E402
from harness.postgres import find_bin_dir, throwaway_cluster  # noqa: E402
from harness.serving import free_port  # noqa: E402

NOTES = 1000
ENDPOINTS = {"get": "GET /notes/{id}", "list": "GET /notes?limit=50", "post": "POST /notes"}
DATABASES = ("postgresql", "sqlite")
BACKENDS = ("orm", "databases")
# The targets: requests/s as a share of the floor's.
MIN_RATIO = {"get": 0.35, "list": 0.35, "post": 0.30}
MAX_P99_RATIO = 4.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--repetitions", type=int, default=3, help="runs per target (3)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per run (3)")
    parser.add_argument(
        "--pool-size", type=int, default=10, help="the floor's connection pool size (10)"
    )
    parser.add_argument(
        "--database", choices=DATABASES, action="append", help="only this database (repeatable)"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="2-second runs, 1 repetition, 1-second warm-up"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="after measuring, record py-spy profiles of the PostgreSQL variants into DIR",
    )
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.repetitions, args.warmup = 2, 1, 1
    args.database = args.database or list(DATABASES)
    if args.profile:
        args.profile = args.profile.resolve()
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.inside is None:
        return outside(argv, args)
    return inside(args)


# --- outside: system tools, the benchmark's own virtualenv ---------------------------------


def outside(argv: list[str], args: argparse.Namespace) -> int:
    missing = []
    if shutil.which("wrk") is None:
        missing.append("wrk")
    if "postgresql" in args.database and find_bin_dir() is None:
        missing.append("postgresql")
    if missing:
        print(f"installing {' '.join(missing)} with apt-get", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env)
    work = Path(tempfile.mkdtemp(prefix="notes-bench-"))
    try:
        venv = work / "venv"
        uv = [sys.executable, "-m", "uv"]
        print("building the benchmark's virtualenv", flush=True)
        subprocess.run([*uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
        python = str(venv / "bin" / "python")
        requirements = str(HERE / "requirements.txt")
        subprocess.run(
            [*uv, "pip", "install", "--quiet", "--python", python, "-r", requirements], check=True
        )
        return subprocess.run([python, __file__, *argv, "--inside", str(work)]).returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- inside: bake, install, migrate, seed, serve, load, report -----------------------------


@dataclass
class Target:
    name: str
    database: str
    url: str  # the DATABASE_URL it is served with
    command: list[str]
    cwd: Path
    env: dict[str, str]
    is_floor: bool = False
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    runs: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: collections.defaultdict(list)
    )


def run(command: list[str], **kwargs: Any) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def inside(args: argparse.Namespace) -> int:
    work: Path = args.inside
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
        f"{args.repetitions} repetitions, {args.warmup}s warm-up per target and endpoint",
        flush=True,
    )
    print(
        f"floor pool: {args.pool_size} connections (--pool-size); each variant uses the pool "
        "its generated code configures",
        flush=True,
    )
    failures = 0
    for database in args.database:
        # Servers stop, then the cluster, before the next database's turn.
        with ExitStack() as stack:
            admin_url = ""
            if database == "postgresql":
                admin_url = stack.enter_context(throwaway_cluster()).url
                print(
                    "PostgreSQL: a throwaway cluster on loopback, started with fsync=off "
                    "(durability is not measured here)",
                    flush=True,
                )
            targets = prepare(database, admin_url, work, args.pool_size)
            for target in targets:
                stack.enter_context(serving(target, work))
            probe = stack.enter_context(monitor(database, admin_url, targets))
            measure(targets, probe, args)
            failures += report(database, targets)
            if args.profile and database == "postgresql":
                profile(targets, args)
    return 1 if failures else 0


def prepare(database: str, admin_url: str, work: Path, pool_size: int) -> list[Target]:
    """Bake, install, migrate and seed every variant on `database`, and the floor."""
    from cookiecutter.main import cookiecutter

    variants: list[Target] = []
    migrate_with: tuple[Path, Path] | None = None
    served_with: list[str] | None = None
    for backend in BACKENDS:
        name = f"{backend}-{database}"
        started = time.perf_counter()
        project = Path(
            cookiecutter(
                str(ROOT),
                no_input=True,
                extra_context={"backend": backend, "database": database},
                output_dir=str(work / name),
            )
        )
        venv = project / ".venv"
        uv = [sys.executable, "-m", "uv"]
        run([*uv, "venv", "--quiet", "--python", sys.executable, str(venv)])
        # A regular install, as a deployment would have it: no editable, no dev extra.
        run([*uv, "pip", "install", "--quiet", "--python", str(venv / "bin/python"), str(project)])
        url = create_database(database, admin_url, work, name.replace("-", "_"))
        migrate(project, venv, url)
        migrate_with = migrate_with or (project, venv)
        app, options = production_command(project)
        if served_with not in (None, options):
            raise RuntimeError(f"{name} is served with {options}, another with {served_with}")
        served_with = options
        command = [str(venv / "bin/uvicorn"), app, *options]
        env = {**os.environ, "DATABASE_URL": url}
        variants.append(Target(name, database, url, command, project, env))
        print(f"{name}: baked, installed and migrated in {time.perf_counter() - started:.1f}s")
        print(f"  served as its Dockerfile's CMD: uvicorn {app} {' '.join(options)}")
    assert migrate_with is not None and served_with is not None
    floor_name = "floor-asyncpg" if database == "postgresql" else "floor-aiosqlite"
    floor_url = create_database(database, admin_url, work, floor_name.replace("-", "_"))
    migrate(*migrate_with, floor_url)
    # Served with the variants' options, --factory among them.
    uvicorn = [sys.executable, "-m", "uvicorn", "--app-dir", str(HERE / "apps")]
    floor = Target(
        floor_name,
        database,
        floor_url,
        [*uvicorn, "floor:app_from_environment", *served_with],
        HERE,
        {**os.environ, "FLOOR_DATABASE_URL": floor_url, "FLOOR_POOL_SIZE": str(pool_size)},
        is_floor=True,
    )
    targets = [floor, *variants]
    for target in targets:
        seed(target)
    return targets


def create_database(database: str, admin_url: str, work: Path, name: str) -> str:
    if database == "sqlite":
        path = work / "sqlite" / f"{name}.db"
        path.parent.mkdir(exist_ok=True)
        return f"sqlite:///{path}"

    async def create() -> None:
        import asyncpg

        connection = await asyncpg.connect(admin_url)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(create())
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def migrate(project: Path, venv: Path, url: str) -> None:
    run(
        [str(venv / "bin/alembic"), "upgrade", "head"],
        cwd=project,
        env={**os.environ, "DATABASE_URL": url},
    )


def seed(target: Target) -> None:
    rows = [(f"note {number}", number % 2 == 0) for number in range(1, NOTES + 1)]
    if target.database == "sqlite":
        with sqlite3.connect(sqlite_path(target.url)) as connection:
            connection.executemany("INSERT INTO notes (text, completed) VALUES (?, ?)", rows)
        return

    async def insert() -> None:
        import asyncpg

        connection = await asyncpg.connect(target.url)
        try:
            await connection.executemany(
                "INSERT INTO notes (text, completed) VALUES ($1, $2)", rows
            )
        finally:
            await connection.close()

    asyncio.run(insert())


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


@contextmanager
def serving(target: Target, work: Path) -> Iterator[None]:
    target.port = free_port()
    log = work / f"{target.name}.log"
    with log.open("wb") as output:
        target.process = subprocess.Popen(
            [*target.command, "--port", str(target.port)],
            cwd=target.cwd,
            env=target.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if target.process.poll() is not None:
                raise RuntimeError(f"{target.name} ended early:\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{target.name} did not answer:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{target.port}/notes/1", timeout=5):
                    break
            except OSError:
                time.sleep(0.2)
        yield
    finally:
        stop(target)


def stop(target: Target) -> None:
    if target.process is not None and target.process.poll() is None:
        target.process.send_signal(signal.SIGTERM)
        try:
            target.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            target.process.kill()
            target.process.wait()


# --- what the database saw ------------------------------------------------------------------


class Probe:
    """Counts rows and (on PostgreSQL) sessions opened, per target database."""

    def __init__(self, database: str, admin_url: str, targets: list[Target]) -> None:
        self.database = database
        self.admin_url = admin_url
        self.loop = asyncio.new_event_loop()
        self.connections: dict[str, Any] = {}
        if database == "postgresql":
            import asyncpg

            for target in [None, *targets]:
                url = admin_url if target is None else target.url
                key = "admin" if target is None else target.name
                self.connections[key] = self.loop.run_until_complete(asyncpg.connect(url))

    def rows(self, target: Target) -> int:
        if self.database == "sqlite":
            with sqlite3.connect(sqlite_path(target.url)) as connection:
                return int(connection.execute("SELECT count(*) FROM notes").fetchone()[0])
        query = self.connections[target.name].fetchval("SELECT count(*) FROM notes")
        return int(self.loop.run_until_complete(query))

    def sessions(self, target: Target) -> int | None:
        """Sessions ever opened on the target's database (None on SQLite)."""
        if self.database == "sqlite":
            return None
        # Backends report their counters within a second or at exit; wait for them.
        time.sleep(1.2)
        query = self.connections["admin"].fetchval(
            "SELECT sessions FROM pg_stat_database WHERE datname = $1",
            target.url.rsplit("/", 1)[1],
        )
        return int(self.loop.run_until_complete(query))

    def close(self) -> None:
        for connection in self.connections.values():
            self.loop.run_until_complete(connection.close())
        self.loop.close()


@contextmanager
def monitor(database: str, admin_url: str, targets: list[Target]) -> Iterator[Probe]:
    probe = Probe(database, admin_url, targets)
    try:
        yield probe
    finally:
        probe.close()


# --- load -------------------------------------------------------------------------------------


def server_tree(target: Target) -> list[Any]:
    import psutil

    assert target.process is not None
    parent = psutil.Process(target.process.pid)
    return [parent, *parent.children(recursive=True)]


def cpu_seconds(target: Target) -> float:
    return sum(p.cpu_times().user + p.cpu_times().system for p in server_tree(target))


def rss_bytes(target: Target) -> int:
    return sum(p.memory_info().rss for p in server_tree(target))


def wrk(target: Target, endpoint: str, seconds: int, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--latency",
        "-s", str(HERE / "wrk.lua"), f"http://127.0.0.1:{target.port}",
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
    line = lines[0]
    figures: dict[str, Any] = json.loads(line.removeprefix("BENCH "))
    return figures


def measure(targets: list[Target], probe: Probe, args: argparse.Namespace) -> None:
    for target in targets:
        for endpoint in ENDPOINTS:
            wrk(target, endpoint, args.warmup, args)
    for repetition in range(1, args.repetitions + 1):
        for endpoint in ENDPOINTS:
            for target in targets:
                sessions_before = probe.sessions(target)
                rows_before = probe.rows(target)
                cpu_before = cpu_seconds(target)
                figures = wrk(target, endpoint, args.duration, args)
                figures["cpu"] = cpu_seconds(target) - cpu_before
                figures["rss"] = rss_bytes(target)
                sessions_after = probe.sessions(target)
                figures["new_sessions"] = (
                    None if sessions_before is None else sessions_after - sessions_before
                )
                figures["new_rows"] = probe.rows(target) - rows_before
                target.runs[endpoint].append(figures)
                rate = figures["requests"] / (figures["duration_us"] / 1e6)
                print(
                    f"  run {repetition}: {target.name:<20} {ENDPOINTS[endpoint]:<20} "
                    f"{rate:8.0f} req/s, {figures['new_sessions']} new connections",
                    flush=True,
                )
                if endpoint == "post" and not rows_match(figures):
                    print(
                        f"!!! MISMATCH: {target.name} answered {figures['created']} x 201 "
                        f"with {figures['in_flight']} requests in flight when wrk stopped, "
                        f"but {figures['new_rows']} rows were added",
                        flush=True,
                    )


def rows_match(figures: dict[str, Any]) -> bool:
    """Every 201 is a row, and every other new row is a request wrk dropped in flight."""
    created, new_rows = figures["created"], figures["new_rows"]
    return created <= new_rows <= created + figures["in_flight"]


# --- report -----------------------------------------------------------------------------------


@dataclass
class Row:
    rate: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    new_sessions: int | None
    rss_mb: float
    non2xx: int
    errors: int
    mismatches: int


def summarize(runs: list[dict[str, Any]]) -> Row:
    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    rates = [run["requests"] / (run["duration_us"] / 1e6) for run in runs]
    sessions = [run["new_sessions"] for run in runs]
    return Row(
        rate=statistics.median(rates),
        p50_ms=median("p50_us") / 1000,
        p99_ms=median("p99_us") / 1000,
        cpu_ms=statistics.median(run["cpu"] / max(run["requests"], 1) for run in runs) * 1000,
        new_sessions=None if None in sessions else max(sessions),
        rss_mb=runs[-1]["rss"] / 2**20,
        non2xx=sum(run["non2xx"] for run in runs),
        errors=sum(run["socket_errors"] + run["timeouts"] for run in runs),
        mismatches=sum(1 for run in runs if not rows_match(run)),
    )


def report(database: str, targets: list[Target]) -> int:
    floor = next(target for target in targets if target.is_floor)
    floor_rows = {endpoint: summarize(floor.runs[endpoint]) for endpoint in ENDPOINTS}
    print(f"\n{database}: medians of {len(floor.runs['get'])} runs")
    header = (
        f"{'target':<22}{'endpoint':<22}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'CPU ms/req':>11}{'new conns':>10}{'RSS MB':>8}{'non-2xx':>8}{'errors':>7}"
        f"{'x floor':>8}"
    )
    print(header)
    print("-" * len(header))
    failures = 0
    verdicts = []
    for target in targets:
        for endpoint, label in ENDPOINTS.items():
            row = summarize(target.runs[endpoint])
            base = floor_rows[endpoint]
            ratio = row.rate / base.rate
            sessions = "n/a" if row.new_sessions is None else str(row.new_sessions)
            print(
                f"{target.name:<22}{label:<22}{row.rate:>8.0f}{row.p50_ms:>9.1f}{row.p99_ms:>9.1f}"
                f"{row.cpu_ms:>11.2f}{sessions:>10}{row.rss_mb:>8.0f}{row.non2xx:>8}"
                f"{row.errors:>7}{ratio:>8.2f}"
            )
            if row.mismatches:
                failures += 1
                verdicts.append(f"FAIL {target.name} {label}: rows added != 201s counted")
            if target.is_floor or database != "postgresql":
                continue
            checks = [
                (
                    f"req/s {ratio:.2f}x floor >= {MIN_RATIO[endpoint]}x",
                    ratio >= MIN_RATIO[endpoint],
                ),
                (
                    f"p99 {row.p99_ms / base.p99_ms:.1f}x floor <= {MAX_P99_RATIO:.0f}x",
                    row.p99_ms <= MAX_P99_RATIO * base.p99_ms,
                ),
                (f"{sessions} new connections once warm == 0", row.new_sessions == 0),
            ]
            for text, passed in checks:
                failures += not passed
                verdicts.append(f"{'PASS' if passed else 'FAIL'} {target.name} {label}: {text}")
    print(
        "new conns: the most in any run; an asyncpg pool also replaces a connection after "
        "50,000 queries (max_queries), so a fast target may show up to its pool size"
        if database == "postgresql"
        else "new conns: not counted on SQLite"
    )
    if verdicts:
        print()
        print("\n".join(verdicts))
    return failures


# --- profile ------------------------------------------------------------------------------------


def profile(targets: list[Target], args: argparse.Namespace) -> None:
    """py-spy on each PostgreSQL variant's server while wrk loads one endpoint."""
    args.profile.mkdir(parents=True, exist_ok=True)
    py_spy = str(Path(sys.executable).parent / "py-spy")
    for target in targets:
        assert target.process is not None
        for endpoint in ENDPOINTS:
            raw = args.profile / f"{target.name}-{endpoint}.txt"
            recorder = subprocess.Popen(
                [py_spy, "record", "--pid", str(target.process.pid), "--format", "raw",
                 "--rate", "200", "--duration", str(args.duration), "--output", str(raw)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            wrk(target, endpoint, args.duration, args)
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
