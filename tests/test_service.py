"""Each variant served by uvicorn against its real database: fuzzed, faulted and stopped."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from harness.accounts import log_in, register
from harness.baking import TEMPLATE, VARIANTS, Bake, Variant, variant_id
from harness.commands import finished
from harness.databases import database_of
from harness.dockerfile import production_command
from harness.installing import run
from harness.mysql import Server
from harness.otlp import otlp_receiver
from harness.postgres import Cluster
from harness.servers import SERVERS
from harness.serving import free_port, request, serving
from harness.throwaway import NoServer

from .conftest import without_server
from .installs import Installed

SQLITE_VARIANTS = [variant for variant in VARIANTS if variant["database"] == "sqlite"]
POSTGRES_VARIANTS = [variant for variant in VARIANTS if variant["database"] == "postgresql"]
MYSQL_VARIANTS = [variant for variant in VARIANTS if variant["database"] == "mysql"]

# What schemathesis may expect of the service, and the strategies of tests/fuzzing.py.
FUZZING_CONFIG = Path(__file__).with_name("fuzzing.toml")
# Bounded, so the fuzzing stays short; a fixed seed, so a failure can be replayed.
FUZZ_EXAMPLES_PER_OPERATION = 40
FUZZ_SEED = 20261122

UNAVAILABLE = {"detail": "Database unavailable"}


@dataclass
class Project:
    """A bake installed into a virtualenv of its own."""

    bake: Bake
    env: dict[str, str]

    @property
    def label(self) -> str:
        return self.bake.label

    @property
    def has_accounts(self) -> bool:
        return bool(self.bake.answers["auth"] == "fastapi-users")

    @contextmanager
    def served(
        self, database_url: str, log: Path, *, workers: int = 1, **settings: str
    ) -> Iterator[Service]:
        """Migrate the database, then serve the app as its container does, on loopback.

        With accounts, the service signs tokens with a secret of its own, and the
        client is signed in as a new user before the first call.
        """
        secret = secrets.token_hex(32) if self.has_accounts else None
        # LOG_FORMAT as the image's ENV sets it (test_container.py checks it there).
        env = {**self.env, "LOG_FORMAT": "json", "DATABASE_URL": database_url, **settings}
        if secret:
            env["AUTH_SECRET"] = secret
        run("alembic upgrade head", self.bake.path, env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        app, options = production_command(self.bake.path)
        options[options.index("--workers") + 1] = str(workers)
        # exec: the process the test signals is uvicorn itself, not a shell.
        command = f"exec {shlex.join(['uvicorn', app, *options, '--port', str(port)])}"
        with serving(command, self.bake.path, env, f"{base}/health", log) as process:
            service = Service(base, process, log, secret)
            if secret:
                service.sign_in()
            yield service


@dataclass
class Service:
    base: str
    process: subprocess.Popen[bytes]
    log: Path
    # The key that signs the service's tokens, and what a signed-in client sends.
    secret: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    def call(self, method: str, path: str, body: dict[str, object] | None = None) -> Any:
        status, text, headers = request(method, self.base + path, body, headers=self.headers)
        return status, json.loads(text) if text else None, headers

    def metrics(self) -> str:
        """GET /metrics: Prometheus' text format."""
        status, text, _ = request("GET", self.base + "/metrics")
        assert status == 200, text
        return text

    def sign_in(self) -> None:
        """Register a new user and send their token with every later call."""
        email = f"{secrets.token_hex(6)}@example.com"
        register(self.base, email, self.password)
        self.headers = {"Authorization": f"Bearer {log_in(self.base, email, self.password)}"}

    def assert_secrets_stay_out_of_the_log(self, *others: str) -> None:
        log = self.log.read_text()
        kept = [self.password, *self.headers.values(), *others]
        if self.secret:
            kept.append(self.secret)
        for secret in kept:
            assert secret.removeprefix("Bearer ") not in log


@pytest.fixture(scope="module", params=VARIANTS, ids=variant_id)
def project(
    request: pytest.FixtureRequest, installed_variant: Callable[[Variant], Installed]
) -> Project:
    """The variant as the variant tests installed it (tests/installs.py)."""
    installed = installed_variant(request.param)
    return Project(installed.bake, installed.env)


def database_for(
    project: Project, request: pytest.FixtureRequest, tmp_path: Path, *, pooled: bool = False
) -> str:
    """A new database for the project: a SQLite file, or one on the session's server
    (through the session's pooler in front of that server, if asked and it has one)."""
    database = database_of(project.bake.answers)
    if database.SERVER is None:
        return database.create_database(str(tmp_path), "service")
    server_url = request.getfixturevalue(SERVERS[database.SERVER].fixture)
    url = database.create_database(server_url, f"service_{secrets.token_hex(6)}")
    if pooled and database.POOLER:
        return through(request.getfixturevalue(SERVERS[database.POOLER].fixture), url)
    return url


def through(pooler_url: str, database_url: str) -> str:
    """The URL of a database of the server, through the pooler in front of it."""
    return pooler_url.rsplit("/", 1)[0] + "/" + database_url.rsplit("/", 1)[1]


def test_schemathesis_finds_no_failures(
    project: Project,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    record_property: Callable[[str, Any], None],
) -> None:
    """Every operation fuzzed from the OpenAPI schema: no 5xx, every answer as documented.

    On PostgreSQL the service runs behind PgBouncer in transaction mode.
    """
    pooled = database_of(project.bake.answers).POOLER == "pgbouncer"
    database_url = database_for(project, request, tmp_path, pooled=pooled)
    settings = {"DATABASE_PGBOUNCER": "true"} if pooled else {}
    report = tmp_path / "schemathesis.json"
    with project.served(database_url, tmp_path / "serve.log", **settings) as service:
        # With accounts, as a signed-in user; schemathesis also checks that the
        # routes needing a token refuse a request without it.
        headers = [f"--header={name}: {value}" for name, value in service.headers.items()]
        paths = service.call("GET", "/openapi.json")[1]["paths"]
        operations = sum(len(methods) for methods in paths.values())
        result = finished(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                f"--config-file={FUZZING_CONFIG}",
                "run",
                f"{service.base}/openapi.json",
                *headers,
                "--checks=all",
                f"--max-examples={FUZZ_EXAMPLES_PER_OPERATION}",
                f"--seed={FUZZ_SEED}",
                "--generation-database=none",
                "--no-color",
                "--report=json",
                f"--report-json-path={report}",
            ],
            tmp_path,
            {**os.environ, "PYTHONPATH": str(TEMPLATE), "SCHEMATHESIS_HOOKS": "tests.fuzzing"},
        )
        metrics = service.metrics()
        assert_docs_load_from_the_service(service.base)
    outcome = json.loads(report.read_text())
    cases = outcome["test_cases"]
    record_property("figure", (project.label, "fuzz cases", cases["generated"]))
    record_property("figure", (project.label, "fuzz failures", cases["with_failures"]))
    assert result.returncode == 0, result.stdout[-6000:]
    assert outcome["operations"]["tested"] == outcome["operations"]["total"] == operations
    assert cases["with_failures"] == cases["errored"] == 0
    assert cases["generated"] >= operations * FUZZ_EXAMPLES_PER_OPERATION
    service.assert_secrets_stay_out_of_the_log()
    check_observability(project, service, metrics, paths)


def check_observability(
    project: Project, service: Service, metrics: str, paths: dict[str, Any]
) -> None:
    """After fuzzing: every line the service wrote is JSON, one access record per request
    with its request id, and the metrics' routes are the schema's, however odd the paths."""
    lines = service.log.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    assert all(isinstance(record, dict) for record in records)
    access = [record for record in records if record["logger"].endswith(".observability")]
    assert len(access) > 100
    routes = set(paths) | {"unmatched", "/openapi.json", "/metrics", "/health", "/docs", "/redoc"}
    for record in access:
        assert record["route"] in routes, record
        assert record["request_id"] and record["duration_ms"] >= 0, record
        assert "?" not in record["message"], record
    assert not [record for record in records if record["logger"] == "uvicorn.access"]
    counted = {
        line.split('http_route="', 1)[1].split('"', 1)[0]
        for line in metrics.splitlines()
        if line.startswith("http_server_request_duration_seconds_count{")
    }
    assert "/notes/{note_id}" in counted and counted <= routes
    for pool in database_of(project.bake.answers).POOL_NAMES:
        assert f'db_client_connection_pool_name="{pool}"' in metrics, pool


def assert_docs_load_from_the_service(base: str) -> None:
    """/docs and /redoc name no other host: Swagger UI and ReDoc come from the service."""
    for page in ("/docs", "/redoc"):
        status, html, _ = request("GET", base + page)
        assert status == 200, page
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert any(asset.endswith(".js") for asset in assets), (page, assets)
        for asset in assets:
            assert asset.startswith("/"), (page, asset)
            # Bytes: the favicon is an image.
            with urllib.request.urlopen(base + asset, timeout=60) as response:
                assert response.status == 200 and response.read(), (page, asset)


# The generated tests run through PgBouncer: the HTTP contract, 200 concurrent creates,
# racing updates and deletes, a failed second write, and four migrations at once.
THROUGH_PGBOUNCER = (
    "tests/test_notes.py tests/test_concurrency.py tests/test_unit_of_work.py"
    " tests/test_migrations.py"
)
# The driver's message, or, where the service logs a 500 by the error's type and
# SQLSTATE alone, asyncpg's classes for SQLSTATE 26000 and 42P05.
PREPARED_STATEMENT_ERROR = re.compile(
    r'prepared statement "[^"]*" (does not exist|already exists)'
    r"|InvalidSQLStatementNameError \(26000\)|DuplicatePreparedStatementError \(42P05\)"
)


@pytest.mark.parametrize(
    "project",
    [variant for variant in POSTGRES_VARIANTS if variant["auth"] == "none"],
    ids=variant_id,
    indirect=True,
)
def test_behind_pgbouncer_in_transaction_mode(
    project: Project, pgbouncer_url: str, record_property: Callable[[str, Any], None]
) -> None:
    """With DATABASE_PGBOUNCER=true the project's own tests pass through PgBouncer, whose
    server pool is smaller than their clients; without it the same load fails."""
    env = {**project.env, "TEST_POSTGRES_URL": pgbouncer_url}
    pytest_command = "python -m pytest -q -p no:cacheprovider"
    output = run(
        f"{pytest_command} {THROUGH_PGBOUNCER}",
        project.bake.path,
        {**env, "DATABASE_PGBOUNCER": "true"},
    )
    passed = re.search(r"(\d+) passed", output)
    assert passed and "skipped" not in output, output
    record_property("figure", (project.label, "tests passed through PgBouncer", passed[1]))

    without = finished(
        f"{pytest_command} -x tests/test_concurrency.py",
        project.bake.path,
        {**env, "DATABASE_PGBOUNCER": "false"},
    )
    assert without.returncode != 0
    shown = PREPARED_STATEMENT_ERROR.search(without.stdout)
    assert shown, without.stdout[-3000:]
    record_property("figure", (project.label, "without DATABASE_PGBOUNCER", shown.group(0)))


@pytest.fixture
def own_server(project: Project) -> Iterator[Cluster | Server]:
    """A server of the project's database that this test alone uses, so that it may stop it."""
    database: Any = database_of(project.bake.answers)
    try:
        with database.own_server() as server:
            yield server
    except NoServer as missing:
        without_server(missing)


def outage_database(project: Project, server: Cluster | Server, password: str) -> str:
    """A database on the test's own server, reached as a user with `password`."""
    database: Any = database_of(project.bake.answers)
    url = database.create_database(server.url, "outage")
    return str(database.with_password(server, url, password))


@pytest.mark.parametrize("project", POSTGRES_VARIANTS, ids=variant_id, indirect=True)
def test_postgres_outage_is_503_and_the_service_recovers(
    project: Project,
    own_server: Cluster,
    tmp_path: Path,
    record_property: Callable[[str, Any], None],
) -> None:
    password = secrets.token_urlsafe()
    url = outage_database(project, own_server, password)
    check_outage_and_recovery(
        project, own_server, url, password, tmp_path / "serve.log", record_property
    )


def check_outage_and_recovery(
    project: Project,
    server: Cluster | Server,
    url: str,
    password: str,
    log: Path,
    record_property: Callable[[str, Any], None],
) -> None:
    """Stop the real server under the running service, then start it again."""
    with project.served(url, log, DATABASE_POOL_TIMEOUT="2") as service:
        status, kept, _ = service.call("POST", "/notes", {"text": "Survives"})
        assert status == 201

        server.stop()
        started = time.monotonic()
        answers = [
            service.call("GET", "/health"),
            service.call("GET", "/notes"),
            service.call("POST", "/notes", {"text": "Lost"}),
            service.call("GET", f"/notes/{kept['id']}"),
        ]
        down_seconds = (time.monotonic() - started) / len(answers)
        for status, body, headers in answers:
            assert (status, body) == (503, UNAVAILABLE)
            assert headers["retry-after"] == "1"

        server.start()
        recovered = wait_until_healthy(service)
        assert service.call("GET", "/notes")[:2] == (200, [kept])
        assert service.call("POST", "/notes", {"text": "After"})[0] == 201
    record_property(
        "figure", (project.label, "503 while down, s per request", round(down_seconds, 3))
    )
    record_property(
        "figure", (project.label, "healthy again after restart, s", round(recovered, 2))
    )
    service.assert_secrets_stay_out_of_the_log(password)
    served_log = log.read_text()
    # No request failed with an error the app did not handle (asyncpg's pool may
    # still log, with a traceback, that it could not reconnect in the background).
    assert "Exception in ASGI application" not in served_log
    assert "database unavailable during GET /health" in served_log


@pytest.mark.parametrize("project", MYSQL_VARIANTS, ids=variant_id, indirect=True)
def test_mysql_outage_is_503_and_the_service_recovers(
    project: Project,
    own_server: Server,
    tmp_path: Path,
    record_property: Callable[[str, Any], None],
) -> None:
    password = secrets.token_urlsafe()
    url = outage_database(project, own_server, password)
    check_outage_and_recovery(
        project, own_server, url, password, tmp_path / "serve.log", record_property
    )


def wait_until_healthy(service: Service) -> float:
    """Seconds until /health answers 200 again; bounded so a hang fails the test."""
    started = time.monotonic()
    while time.monotonic() - started < 60:
        status, _, _ = service.call("GET", "/health")
        if status == 200:
            return time.monotonic() - started
        assert status == 503
        time.sleep(0.05)
    pytest.fail(f"no recovery within 60 s:\n{service.log.read_text()}")


IN_FLIGHT = 8


def test_shutdown_lets_requests_in_flight_finish(
    project: Project,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    record_property: Callable[[str, Any], None],
) -> None:
    """SIGTERM while writes wait on a lock: they all complete, then the service exits.

    On a server database the pool holds as many connections as there are writes,
    so a readiness check sent with them waits for one: it answers only after
    SIGTERM, and must say the service is stopping.
    """
    database = database_of(project.bake.answers)
    database_url = database_for(project, request, tmp_path)
    on_server = database.SERVER is not None
    pool_size = {"DATABASE_POOL_SIZE": str(IN_FLIGHT)} if on_server else {}
    served = project.served(
        database_url, tmp_path / "serve.log", DATABASE_POOL_TIMEOUT="60", **pool_size
    )
    with served as service:
        with (
            ThreadPoolExecutor(IN_FLIGHT + 1) as pool,
            database.notes_locked(database_url) as wait_for_waiters,
        ):
            futures = [
                pool.submit(service.call, "POST", "/notes", {"text": f"In flight {number}"})
                for number in range(IN_FLIGHT)
            ]
            wait_for_waiters(IN_FLIGHT)
            readiness = pool.submit(service.call, "GET", "/health/ready") if on_server else None
            # Time for the check to reach the service before it stops accepting.
            time.sleep(0.5)
            os.killpg(service.process.pid, signal.SIGTERM)
            time.sleep(0.5)
            # Still up: the requests it accepted are waiting for the lock, released next.
            assert service.process.poll() is None, service.log.read_text()
        statuses = [future.result()[0] for future in futures]
        # uvicorn re-raises the signal once it has shut down cleanly.
        assert service.process.wait(timeout=60) == -signal.SIGTERM
    assert statuses == [201] * IN_FLIGHT
    if readiness is not None:
        assert readiness.result()[:2] == (503, {"detail": "Service stopping"})
    assert database.count_notes(database_url) == IN_FLIGHT
    log = service.log.read_text()
    # uvicorn waited for the requests, then the app's shutdown closed the database.
    assert log.index("Waiting for connections to close") < log.index(
        "Application shutdown complete"
    )
    record_property("figure", (project.label, "writes in flight at SIGTERM, kept", IN_FLIGHT))


@pytest.mark.parametrize("project", SQLITE_VARIANTS, ids=variant_id, indirect=True)
def test_read_only_sqlite_file_is_503_for_writes(project: Project, tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    database = tmp_path / "service.db"
    with project.served(database_url, tmp_path / "serve.log") as service:
        assert service.call("POST", "/notes", {"text": "Before"})[0] == 201
        with read_only(database):
            written = service.call("POST", "/notes", {"text": "Refused"})
            read = service.call("GET", "/notes")
        assert written[:2] == (503, UNAVAILABLE)
        # A read may need to roll back the refused write's journal first, which it cannot.
        status, body = read[:2]
        assert (status, body) == (503, UNAVAILABLE) or (
            status == 200 and [note["text"] for note in body] == ["Before"]
        ), read
        assert service.call("POST", "/notes", {"text": "After"})[0] == 201
        notes = service.call("GET", "/notes")[1]
        assert [note["text"] for note in notes] == ["Before", "After"]
    assert "Exception in ASGI application" not in service.log.read_text()


@contextmanager
def read_only(database: Path) -> Iterator[None]:
    """Make a SQLite database read-only for its owner and, through the immutable flag, for
    root too: its file and, in WAL mode, the write-ahead log beside it. (Its shared-memory
    index stays writable, as readers need it.)"""
    wal = database.with_name(f"{database.name}-wal")
    paths = [database, wal] if wal.exists() else [database]
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        assert chattr, "chattr (e2fsprogs) is needed to make a file read-only for root"
        run([chattr, "+i", *map(str, paths)])
        try:
            yield
        finally:
            run([chattr, "-i", *map(str, paths)])
    else:
        modes = {path: path.stat().st_mode for path in paths}
        for path in paths:
            path.chmod(0o444)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)


def exported_spans(bodies: list[bytes]) -> list[tuple[Any, Any]]:
    """Each span of the exports, with the resource (the service) that sent it."""
    spans = []
    for body in bodies:
        for resource in ExportTraceServiceRequest.FromString(body).resource_spans:
            for scope in resource.scope_spans:
                spans += [(resource.resource, span) for span in scope.spans]
    return spans


def attributes(span: Any) -> dict[str, str]:
    return {item.key: item.value.string_value for item in span.attributes}


@pytest.mark.parametrize("project", SQLITE_VARIANTS[:1], ids=variant_id, indirect=True)
def test_two_workers_sum_their_metrics_and_export_their_spans(
    project: Project, tmp_path: Path, record_property: Callable[[str, Any], None]
) -> None:
    """uvicorn --workers 2 with prometheus-client's multiprocess directory and an OTLP endpoint."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    requests = 64
    with otlp_receiver(keep=True) as (endpoint, bodies):
        settings = {
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_SERVICE_NAME": "notes-under-test",
        }
        served = project.served(database_url, tmp_path / "serve.log", workers=2, **settings)
        with served as service:
            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(lambda _: service.call("GET", "/notes"), range(requests)))
            assert {status for status, _, _ in answers} == {200}
            # Each scrape is answered by either worker, and each sums both.
            scrapes = [service.metrics() for _ in range(4)]
            os.killpg(service.process.pid, signal.SIGTERM)
            service.process.wait(timeout=60)
        # The spans still waiting in their batches were exported as the workers stopped.
        exported = exported_spans(bodies)
    workers = {path.stem.rsplit("_", 1)[1] for path in metrics_dir.glob("histogram_*.db")}
    assert len(workers) == 2, "both workers served requests"
    for scrape in scrapes:
        counts = [
            float(line.rsplit(" ", 1)[1])
            for line in scrape.splitlines()
            if line.startswith("http_server_request_duration_seconds_count{")
            and 'http_route="/notes"' in line
            and 'http_response_status_code="200"' in line
        ]
        assert counts == [requests]
    servers = [
        span
        for _, span in exported
        if span.name == "GET /notes" and span.kind == Span.SPAN_KIND_SERVER
    ]
    assert len(servers) == requests
    statements = [
        span
        for _, span in exported
        if span.kind == Span.SPAN_KIND_CLIENT
        and span.parent_span_id in {server.span_id for server in servers}
    ]
    assert any("FROM notes" in attributes(span).get("db.statement", "") for span in statements)
    assert all(attributes(span)["db.system"] == "sqlite" for span in statements)
    names = {attributes(resource).get("service.name") for resource, _ in exported}
    assert names == {"notes-under-test"}
    record_property("figure", (project.label, "spans exported by 2 workers", len(exported)))
