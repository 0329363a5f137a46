"""PostgreSQL scaled out: each variant without accounts served as two replicas (two
uvicorn processes, each with the Dockerfile's command) behind PgBouncer in transaction
mode, whose server pool is smaller than the replicas' pools together, both loaded at
once; against one replica on a direct connection with as many clients. Printed, not
judged: on one machine the replicas share its cores, so this shows that the set-up
stays correct under load and what PgBouncer costs, not how far it scales.
"""

from __future__ import annotations

from argparse import Namespace
from dataclasses import replace

from harness.pgbouncer import pgbouncer

from .db.postgresql import Postgresql
from .load import Load, Run, finished_wrk, requests_per_second, rows_match, start_wrk
from .served_targets import JUDGED, MODES, Server, serving_all
from .targets import Prepared, Target, pool_size_of

REPLICAS = 2
ENDPOINTS = {"post": "POST /notes", "get": "GET /notes/{id}"}


def measure_scale_out(prepared: Prepared, args: Namespace) -> None:
    variants = [t for t in prepared.targets if t.role == "variant" and not t.signs_in]
    pool = pool_size_of(variants[0].cwd)
    # Fewer server connections than the replicas' pools hold together.
    bouncer_pool = REPLICAS * pool // 2
    options = prepared.options
    database = prepared.database
    assert isinstance(database, Postgresql), "scale-out is measured on PostgreSQL only"
    print(
        f"{prepared.answer}, scale-out: {REPLICAS} replicas with pools of {pool} behind "
        f"PgBouncer (transaction mode, {bouncer_pool} server connections), against one "
        f"replica direct; {args.connections} clients in all",
        flush=True,
    )
    lines = []
    with pgbouncer(database.admin_url, pool_size=bouncer_pool) as bouncer_url:
        for target in variants:
            direct = [replace(target, name=f"{target.name}-direct")]
            behind = [
                replace(
                    target,
                    name=f"{target.name}-replica-{number}",
                    env={
                        **target.env,
                        "DATABASE_URL": through(bouncer_url, target.env["DATABASE_URL"]),
                        "DATABASE_PGBOUNCER": "true",
                    },
                )
                for number in range(1, REPLICAS + 1)
            ]
            for label, replicas in (
                ("1 replica, direct", direct),
                (f"{REPLICAS} replicas, PgBouncer", behind),
            ):
                lines += loaded(target, replicas, label, prepared, options, args)
    print(f"\n{prepared.answer}, scale-out (medians of {args.repetitions} runs; not judged)")
    print("\n".join(lines), flush=True)


def through(bouncer_url: str, database_url: str) -> str:
    """A database's URL through PgBouncer: its host and port, the same database."""
    database = database_url.rsplit("/", 1)[1]
    return (
        bouncer_url.replace("postgresql://", "postgresql+asyncpg://", 1).rsplit("/", 1)[0]
        + f"/{database}"
    )


def loaded(
    target: Target,
    replicas: list[Target],
    label: str,
    prepared: Prepared,
    options: list[str],
    args: Namespace,
) -> list[str]:
    """Serve the replicas, load them all at once per endpoint; one line per endpoint."""
    logs = prepared.logs / "scale-out"
    lines = []
    with serving_all(replicas, options, logs, MODES[JUDGED]) as servers:
        for endpoint in ENDPOINTS:
            at_once(servers, endpoint, args.warmup, args)
        for endpoint, name in ENDPOINTS.items():
            rates, errors, matched = [], 0, True
            for _ in range(args.repetitions):
                # Requests the last run left in flight finish before the count.
                prepared.database.settle()
                before = prepared.database.rows(target.database)
                runs = at_once(servers, endpoint, args.duration, args)
                added = prepared.database.rows(target.database) - before
                rates.append(sum(requests_per_second(run) for run in runs))
                errors += sum(
                    run["non2xx"] + run["socket_errors"] + run["timeouts"] for run in runs
                )
                if endpoint == "post":
                    together = {
                        "created": sum(run["created"] for run in runs),
                        "in_flight": sum(run["in_flight"] for run in runs),
                        "new_rows": added,
                    }
                    matched = matched and rows_match(together)
            rates.sort()
            rows = (
                ("rows = 201s" if matched else "ROWS DIFFER FROM 201s")
                if endpoint == "post"
                else ""
            )
            lines.append(
                f"{target.name:<28} {label:<22} {name:<16} {rates[len(rates) // 2]:8.0f} req/s"
                f"  {errors} errors  {rows}"
            )
            print(f"  {lines[-1]}", flush=True)
    return lines


def at_once(servers: list[Server], endpoint: str, seconds: int, args: Namespace) -> list[Run]:
    """A wrk process per server, all at once, sharing --connections between them."""
    share = max(1, args.connections // len(servers))
    started = [
        start_wrk(server, Load(endpoint, share, args.threads), seconds) for server in servers
    ]
    return [finished_wrk(process) for process in started]
