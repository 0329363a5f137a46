"""What a running service tells about itself: request ids, access records, metrics.

Logging is set up in logs.py, the metrics are declared in metrics.py and traces
are configured in tracing.py; this module puts them around the app.
"""

import logging
import re
import time
from functools import cache, lru_cache
from uuid import uuid4

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI
from prometheus_client import Histogram
from pydantic import field_validator
from pydantic_settings import BaseSettings
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import metrics
from .logs import LogFormat, LogLevel, configure_logging

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# A client's request id is kept when it is this sane; any other is replaced.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# One label for every path that matches no route, so a scanner adds no series.
UNMATCHED_ROUTE = "unmatched"
# Methods kept as labels; any other is counted as OpenTelemetry's "_OTHER".
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ObservabilitySettings(BaseSettings):
    """Logs and metrics; the README's Settings table explains each."""

    # json: one JSON object per line, for a log collector; console: text to read.
    log_format: LogFormat = "console"
    log_level: LogLevel = "INFO"
    # Serve GET /metrics.
    metrics_enabled: bool = True

    @field_validator("log_level", mode="before")
    @classmethod
    def upper_case_level(cls, level: object) -> object:
        return level.upper() if isinstance(level, str) else level


def sane_request_id(request_id: str) -> bool:
    return SANE_REQUEST_ID.fullmatch(request_id) is not None


def new_request_id() -> str:
    return str(uuid4())


def route_template(scope: Scope) -> str:
    """The template of the route that answered, such as `/notes/{note_id}`.

    The router leaves the route it chose, or the one whose path matched a method
    it does not allow, in the scope. A route of a router included with a prefix
    (`app.include_router(..., prefix="/auth")`) has a template without it: the
    prefix is what precedes the part of the path the route matched.
    """
    route = scope.get("route")
    template = getattr(route, "path", None)
    pattern = getattr(route, "path_regex", None)
    if not isinstance(template, str) or not isinstance(pattern, re.Pattern):
        return UNMATCHED_ROUTE
    matched = unanchored(pattern.pattern).search(scope["path"])
    return scope["path"][: matched.start()] + template if matched else template


@lru_cache(maxsize=1024)
def unanchored(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.removeprefix("^"))


class AccessRecords:
    """Writes one access record per request and observes its duration in the metrics.

    The record names the route template, never the path as sent: no query
    string, no ids. A request that fails with an exception is logged once, here,
    with its traceback.
    """

    def __init__(self, app: ASGIApp, *, metrics_enabled: bool) -> None:
        self.app = app
        self.metrics_enabled = metrics_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        error: Exception | None = None
        try:
            await self.app(scope, receive, send_and_note_status)
        except Exception as raised:
            error = raised
            raise
        finally:
            self.record(scope, status, time.perf_counter() - started, error)

    def record(self, scope: Scope, status: int, seconds: float, error: Exception | None) -> None:
        level = logging.ERROR if error else logging.INFO
        logged = logger.isEnabledFor(level)
        if not (logged or self.metrics_enabled):
            return
        method = scope["method"] if scope["method"] in KNOWN_METHODS else "_OTHER"
        route = route_template(scope)
        if logged:
            milliseconds = round(seconds * 1000, 3)
            logger.log(
                level,
                "%s %s %s %.1f ms",
                method,
                route,
                status,
                milliseconds,
                exc_info=error,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": milliseconds,
                },
            )
        if self.metrics_enabled:
            request_duration(method, route, status).observe(seconds)


@cache
def request_duration(method: str, route: str, status: int) -> Histogram:
    """The histogram of one method, route and status, looked up once.

    The registry keeps each of them for good anyway; labels are bounded
    (routes are templates, methods and statuses few).
    """
    return metrics.request_duration.labels(method, route, str(status))


def install_observability(app: FastAPI, settings: ObservabilitySettings) -> None:
    """Logging as the settings say, access records, metrics, and request ids on every response.

    Call after adding other middleware: the request id is set before, and the
    access record written after, all of it.
    """
    configure_logging(settings.log_format, settings.log_level)
    if settings.metrics_enabled:
        app.include_router(metrics.router)
    app.add_middleware(AccessRecords, metrics_enabled=settings.metrics_enabled)
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name=REQUEST_ID_HEADER,
        generator=new_request_id,
        validator=sane_request_id,
    )
