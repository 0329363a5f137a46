"""Logging: every record of the process, the service's, uvicorn's and SQLAlchemy's, one way.

`json` writes one JSON object per line (time, level, logger, message, and any
fields of the record); `console` writes readable text. A record written while
a request is served carries its `request_id`, and with tracing on the
`trace_id` and `span_id` of the span it was written in.
"""

import logging
import sys
from collections.abc import Callable
from typing import Any, Literal, TextIO

from asgi_correlation_id import correlation_id
from opentelemetry import trace
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter

LogFormat = Literal["json", "console"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

CONSOLE_FORMAT = "%(asctime)s %(levelname)-8s %(name)s [%(request_id)s] %(message)s"
# uvicorn adds a copy of its message with terminal colours to its records.
NOT_LOGGED = [*RESERVED_ATTRS, "color_message"]
# Loggers that write statements with their parameters, row values, below WARNING.
VALUE_LOGGERS = ("sqlalchemy", "databases", "aiosqlite", "asyncmy", "asyncpg")
# Loggers that write lines of their own unless told to hand them to the root's handler.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error")


class WithRequestContext:
    """Makes log records as before, adding the ids of the request and span being served.

    Added where records are made, every handler sees them, pytest's too.
    """

    def __init__(self, make_record: Callable[..., logging.LogRecord]) -> None:
        self._make_record = make_record

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self._make_record(*args, **kwargs)
        request_id = correlation_id.get()
        if request_id is not None:
            record.request_id = request_id
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            record.trace_id = trace.format_trace_id(span.trace_id)
            record.span_id = trace.format_span_id(span.span_id)
        return record


class KnownToTheService(logging.Filter):
    """Drops uvicorn's copy of a traceback the service logged in the request's access record."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.exc_info is None or correlation_id.get() is None


KNOWN_TO_THE_SERVICE = KnownToTheService()


def json_formatter() -> logging.Formatter:
    # orjson encodes a line in a fraction of the standard library's time, and
    # writes the time as RFC 3339 itself.
    return OrjsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        reserved_attrs=NOT_LOGGED,
        timestamp="time",
    )


def console_formatter() -> logging.Formatter:
    return logging.Formatter(CONSOLE_FORMAT, defaults={"request_id": "-"})


class ServiceHandler(logging.StreamHandler[TextIO]):
    """The one handler every record goes through, to standard error."""


def configure_logging(log_format: LogFormat, level: LogLevel) -> None:
    """Send every logger's records to one handler, formatted as `log_format`.

    Handlers others added to the root logger, such as pytest's, are kept.
    """
    make_record = logging.getLogRecordFactory()
    if not isinstance(make_record, WithRequestContext):
        logging.setLogRecordFactory(WithRequestContext(make_record))
    handler = ServiceHandler(sys.stderr)
    handler.setFormatter(json_formatter() if log_format == "json" else console_formatter())
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, ServiceHandler)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
    for name in UVICORN_LOGGERS:
        uvicorn = logging.getLogger(name)
        uvicorn.handlers.clear()
        uvicorn.propagate = True
        uvicorn.setLevel(level)
    logging.getLogger("uvicorn.error").addFilter(KNOWN_TO_THE_SERVICE)
    # The service writes the access record; uvicorn's would carry the query string.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = True
    access.setLevel(logging.WARNING)
    for name in VALUE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
