"""What the service tells about itself: request ids, access records, metrics and traces."""

import json
import logging
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import make_url

from {{ cookiecutter.package_name }}.dialect import POOL_NAME
from {{ cookiecutter.package_name }}.logs import json_formatter
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.schemas import MAX_ID
from {{ cookiecutter.package_name }}.settings import Settings

{% if cookiecutter.auth == "fastapi-users" %}from .accounts import PASSWORD
{% endif %}from .isolation import connection_held
from .support import serve

ACCESS_LOGGER = "{{ cookiecutter.package_name }}.observability"
REQUESTS = "http_server_request_duration_seconds_count"
CONNECTIONS = "db_client_connection_count"
CLIENT = ("httpx", "httpcore")


def as_json(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """Every record of the test, set up included, as the JSON log format writes it."""
    formatter = json_formatter()
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    return [json.loads(formatter.format(record)) for record in records]


def access_records(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [record for record in as_json(caplog) if record["logger"] == ACCESS_LOGGER]


async def test_a_sane_request_id_is_kept_and_any_other_replaced(client: AsyncClient) -> None:
    sane = "Abc-123_x.y" + "z" * 117
    kept = await client.get("/notes", headers={"X-Request-ID": sane})
    assert kept.headers["X-Request-ID"] == sane
    for unsafe in ["two words", "a" * 129, "new\\nline", "<script>"]:
        replaced = await client.get("/notes", headers={"X-Request-ID": unsafe})
        assert uuid.UUID(replaced.headers["X-Request-ID"]).version == 4, unsafe
    missing = await client.get(f"/notes/{MAX_ID}")
    assert missing.status_code == 404
    assert uuid.UUID(missing.headers["X-Request-ID"]).version == 4


async def test_each_request_has_one_access_record(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await client.get(
        f"/notes/{MAX_ID}?private=query", headers={"X-Request-ID": "trace-me-1"}
    )
    assert response.status_code == 404
    [record] = [r for r in access_records(caplog) if r.get("request_id") == "trace-me-1"]
    assert record["level"] == "INFO"
    assert record["method"] == "GET"
    assert record["route"] == "/notes/{note_id}"
    assert record["status"] == 404
    assert record["duration_ms"] >= 0
    assert "private" not in json.dumps(record)
    assert str(MAX_ID) not in record["message"]


async def test_paths_that_match_no_route_share_one_route_label(
    client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for path in ("/wp-admin", "/a/b/c"):
        assert (await client.get(path)).status_code == 404
    routes = [r["route"] for r in access_records(caplog) if r["status"] == 404]
    assert routes == ["unmatched", "unmatched"]


async def test_a_500_is_one_record_with_its_traceback_and_request_id(
    app: FastAPI, client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/fails")
    async def fails() -> None:
        raise RuntimeError("a bug")

    caplog.set_level(logging.INFO)
    transport = ASGITransport(app=app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url=client.base_url) as unraised:
        response = await unraised.get("/fails", headers={"X-Request-ID": "failing-1"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "failing-1"
    [record] = [r for r in access_records(caplog) if r.get("request_id") == "failing-1"]
    assert record["level"] == "ERROR"
    assert record["status"] == 500
    assert record["route"] == "/fails"
    assert "RuntimeError: a bug" in record["exc_info"]


async def test_no_secret_is_logged(
    client: AsyncClient, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = ["s3cr3t-query-token", "s3cr3t-cookie"]
    headers = {"Cookie": "session=s3cr3t-cookie"}
{%- if cookiecutter.auth == "fastapi-users" %}
    # The client registered, logged in and sends its token (tests/accounts.py).
    secrets += [PASSWORD, client.headers["Authorization"].removeprefix("Bearer ")]
{%- else %}
    headers["Authorization"] = "Bearer s3cr3t-bearer-token"
    secrets.append("s3cr3t-bearer-token")
{%- endif %}
    created = await client.post(
        "/notes?token=s3cr3t-query-token", json={"text": "s3cr3t-body"}, headers=headers
    )
    assert created.status_code == 201
    await client.get(f"/notes/{MAX_ID}?token=s3cr3t-query-token", headers=headers)
    secrets.append("s3cr3t-body")
    if password := make_url(database_url).password:
        secrets.append(password)
    # Every record but those of the test's own HTTP client.
    logged = json.dumps([r for r in as_json(caplog) if r["logger"].split(".")[0] not in CLIENT])
    assert "s3cr3t" not in logged
    for secret in secrets:
        assert secret not in logged
    routes = {record["route"] for record in access_records(caplog)}
    assert {"/notes", "/notes/{note_id}"} <= routes
{%- if cookiecutter.auth == "fastapi-users" %}
    # Routes of routers included with a prefix are named in full.
    assert {"/auth/register", "/auth/jwt/login"} <= routes
{%- endif %}


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample of Prometheus' text format; 0 if it is not there."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in metrics.splitlines():
        series, _, value = line.rpartition(" ")
        metric, _, given = series.partition("{")
        if metric == name and ",".join(sorted(given.rstrip("}").split(","))) == wanted:
            return float(value)
    return 0.0


async def test_metrics_count_requests_by_route_and_show_the_pool(app: FastAPI) -> None:
    route = {
        "http_request_method": "GET",
        "http_route": "/notes/{note_id}",
        "http_response_status_code": "404",
    }
    pool = {"db_client_connection_pool_name": POOL_NAME}
    async with serve(app) as client:
        before = sample((await client.get("/metrics")).text, REQUESTS, **route)
        for _ in range(2):
            assert (await client.get(f"/notes/{MAX_ID}")).status_code == 404
        async with connection_held(app):
            response = await client.get("/metrics")
        released = (await client.get("/metrics")).text
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "/metrics" not in app.openapi()["paths"]
    held = response.text
    assert sample(held, REQUESTS, **route) == before + 2
    assert sample(held, CONNECTIONS, db_client_connection_state="used", **pool) == 1
    assert sample(released, CONNECTIONS, db_client_connection_state="used", **pool) == 0
    assert sample(held, CONNECTIONS, db_client_connection_state="idle", **pool) >= 0
    assert "db_client_connection_pending_requests{" in held
    assert "db_client_connection_timeouts_total{" in held


async def test_metrics_can_be_switched_off(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, metrics_enabled=False))
    async with serve(app) as client:
        assert (await client.get("/metrics")).status_code == 404


async def test_a_request_is_a_span_with_a_child_span_per_statement(
    fresh_database_url: str,
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(Settings(database_url=fresh_database_url), tracer_provider=provider)
    async with serve(app) as client:
        exporter.clear()
        created = await client.post("/notes", json={"text": "s3cr3t-text"})
        assert created.status_code == 201
    spans = exporter.get_finished_spans()
    [request] = [span for span in spans if span.kind == SpanKind.SERVER]
    assert request.name == "POST /notes"
    statements = [
        span
        for span in spans
        if span.kind == SpanKind.CLIENT
        and span.parent is not None
        and span.parent.span_id == request.context.span_id
    ]
    assert statements, [span.name for span in spans]
    for span in statements:
        assert span.attributes is not None
        assert span.attributes["db.system"] in ("sqlite", "postgresql", "mysql")
    texts = [str((span.attributes or {}).get("db.statement", "")) for span in statements]
    assert any(text.lstrip().upper().startswith("INSERT") for text in texts), texts
    assert not any("s3cr3t" in text for text in texts)
