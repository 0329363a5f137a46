"""Logins under attack: each auth variant takes a burst of wrong-password logins for
unknown addresses from many clients at once, while its signed-in account writes notes
one after another. Printed, not judged: the logins' throughput (each hashes a password
on purpose), and the signed-in writes' latency while the burst runs, which hashing
inside a unit of work would hold up behind the logins."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from argparse import Namespace
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from harness.serving import request

from .served_targets import JUDGED, MODES, Server, serving_all, signed_in
from .targets import Prepared

# Clients sending wrong logins at once.
BURST = 80


@dataclass(frozen=True)
class Burst:
    # Wrong logins answered as such (400) per second, and those answered otherwise.
    logins_per_second: float
    logins_not_400: int
    post_p50: float
    post_p99: float
    post_max: float
    posts: int
    posts_not_201: int


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def burst(server: Server, seconds: float) -> Burst:
    """Wrong logins from BURST clients for `seconds`, and signed-in writes meanwhile."""
    stop = threading.Event()
    # Each client's answers, by status.
    logins: list[list[int]] = [[] for _ in range(BURST)]

    def attack(client: int) -> None:
        while not stop.is_set():
            form = {"username": f"{uuid.uuid4().hex}@example.com", "password": "wrong guess"}
            status, _, _ = request("POST", f"{server.url}/auth/jwt/login", form=form)
            logins[client].append(status)

    latencies: list[float] = []
    statuses: list[int] = []
    bearer = {"Authorization": f"Bearer {server.token}"}
    with ThreadPoolExecutor(BURST) as attackers:
        for client in range(BURST):
            attackers.submit(attack, client)
        started = time.perf_counter()
        # Let the burst fill every hashing thread before the writes are timed.
        time.sleep(1)
        while time.perf_counter() - started < seconds:
            sent = time.perf_counter()
            note = {"text": f"written during logins {uuid.uuid4().hex}"}
            status, _, _ = request("POST", f"{server.url}/notes", note, headers=bearer)
            latencies.append(time.perf_counter() - sent)
            statuses.append(status)
        stop.set()
        elapsed = time.perf_counter() - started
    answers = [status for client in logins for status in client]
    return Burst(
        logins_per_second=answers.count(400) / elapsed,
        logins_not_400=sum(status != 400 for status in answers),
        post_p50=percentile(latencies, 0.5),
        post_p99=percentile(latencies, 0.99),
        post_max=max(latencies),
        posts=len(latencies),
        posts_not_201=sum(status != 201 for status in statuses),
    )


def measure_logins(prepared: Prepared, args: Namespace) -> int:
    """Print each auth variant's figures, medians of the run's repetitions; nothing is judged."""
    # The burst comes from one address: with the services' attempt limits it would
    # measure 429s, not hashing.
    targets = [
        replace(target, env={**target.env, "AUTH_RATE_LIMIT_ENABLED": "false"})
        for target in prepared.targets
        if target.role == "variant" and target.signs_in
    ]
    with serving_all(targets, prepared.options, prepared.logs / "logins", MODES[JUDGED]) as servers:
        runs = {
            server.target.name: [burst(server, args.duration) for _ in range(args.repetitions)]
            for server in signed_in(servers)
        }
    print(
        f"\n{prepared.answer}, {JUDGED}: {BURST} clients logging in with wrong passwords, "
        f"one signed-in client POSTing notes meanwhile, medians of {args.repetitions} runs"
    )
    print(
        f"{'target':<32}{'logins/s':>10}{'not 400':>9}{'POST p50':>10}{'POST p99':>10}"
        f"{'POST max':>10}{'POSTs':>8}{'not 201':>9}"
    )
    for name, bursts in runs.items():

        def median(field: str, bursts: list[Burst] = bursts) -> float:
            return statistics.median(getattr(run, field) for run in bursts)

        print(
            f"{name:<32}{median('logins_per_second'):>10.1f}{median('logins_not_400'):>9.0f}"
            f"{median('post_p50') * 1000:>8.0f}ms{median('post_p99') * 1000:>8.0f}ms"
            f"{median('post_max') * 1000:>8.0f}ms{median('posts'):>8.0f}"
            f"{median('posts_not_201'):>9.0f}",
            flush=True,
        )
    return 0
