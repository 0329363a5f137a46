"""Prometheus metrics, under the OpenTelemetry HTTP server and database client names.

With several worker processes (`uvicorn --workers N`), PROMETHEUS_MULTIPROC_DIR
names a directory where each worker writes its values, and GET /metrics sums
them: the directory must be empty when the server starts (see the README).
"""

import os

from fastapi import APIRouter, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ

# OpenTelemetry's advice for http.server.request.duration, in seconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)

request_duration = Histogram(
    "http_server_request_duration_seconds",
    "Time from a request's arrival to its response's end.",
    ["http_request_method", "http_route", "http_response_status_code"],
    buckets=DURATION_BUCKETS,
)

# Gauges sum the processes that are alive; a worker that ends takes its own away.
connection_count = Gauge(
    "db_client_connection_count",
    "Connections (places in line for one) in use or free, by pool.",
    ["db_client_connection_pool_name", "db_client_connection_state"],
    multiprocess_mode="livesum",
)
pending_requests = Gauge(
    "db_client_connection_pending_requests",
    "Units of work waiting for their turn at a connection, by pool.",
    ["db_client_connection_pool_name"],
    multiprocess_mode="livesum",
)
connection_timeouts = Counter(
    "db_client_connection_timeouts",
    "Units of work that waited for a connection past the pool timeout (each a 503).",
    ["db_client_connection_pool_name"],
)

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """Every metric in Prometheus' text format, summed over the workers if there are several."""
    registry = REGISTRY
    if MULTIPROCESS:
        registry = CollectorRegistry()
        # prometheus-client leaves its multiprocess functions unannotated.
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def forget_this_process() -> None:
    """Take this worker's gauges out of the sums, as it stops."""
    if MULTIPROCESS:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
