"""Error responses: every error is JSON with a `detail`."""

import logging
{%- if cookiecutter.database == "sqlite" %}
import sqlite3
{%- endif %}
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from .db import CONFLICT_ERRORS, DATABASE_ERRORS, NO_CONNECTION_ERRORS, driver_error

logger = logging.getLogger(__name__)
{%- if cookiecutter.database == "sqlite" %}

# SQLite result codes of a database that is busy, locked, read-only, full or
# cannot be opened.
OUTAGE_CODES = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_PERM,
    }
)
{%- else %}

# SQLSTATE classes of a server that cannot serve now: connection exception,
# refused login, missing database, out of resources, shutting down or starting up.
OUTAGE_CLASSES = frozenset({"08", "28", "3D", "53", "57"})
{%- endif %}


def is_outage(error: Exception) -> bool:
    """Whether the database cannot serve requests now, as opposed to a bug in a query."""
    if isinstance(error, NO_CONNECTION_ERRORS):
        return True
{%- if cookiecutter.database == "sqlite" %}
    code = getattr(driver_error(error), "sqlite_errorcode", None)
    # Extended codes carry the primary code in their low byte.
    return isinstance(code, int) and code & 0xFF in OUTAGE_CODES
{%- else %}
    sqlstate = getattr(driver_error(error), "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate[:2] in OUTAGE_CLASSES
{%- endif %}


def describe(error: Mapping[str, Any]) -> dict[str, Any]:
    """One validation error, without the input it rejected.

    The input is the client's own, may be large, and may not even be JSON
    (such as an infinite number).
    """
    described = {"type": error["type"], "loc": list(error["loc"]), "msg": error["msg"]}
    if "ctx" in error:
        described["ctx"] = {
            key: value if isinstance(value, str | int) else str(value)
            for key, value in error["ctx"].items()
        }
    return described


async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    return JSONResponse(
        {"detail": [describe(item) for item in error.errors()]},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def log_database_error(level: int, what: str, request: Request, error: Exception) -> None:
    # The error's type is enough to diagnose; its text may carry connection
    # details or the values of a row, so neither logs nor responses show it.
    logger.log(
        level,
        "%s during %s %s: %s",
        what,
        request.method,
        request.url.path,
        type(driver_error(error)).__name__,
    )


async def database_error(request: Request, error: Exception) -> JSONResponse:
    """503 while the database cannot serve; any other database error is a bug, and a 500."""
    if not is_outage(error):
        raise error
    log_database_error(logging.WARNING, "database unavailable", request, error)
    return JSONResponse(
        {"detail": "Database unavailable"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )


async def conflict(request: Request, error: Exception) -> JSONResponse:
    # The write, rolled back, broke a constraint such as a unique column.
    log_database_error(logging.INFO, "conflict", request, error)
    return JSONResponse(
        {"detail": "Conflicts with existing data"},
        status_code=status.HTTP_409_CONFLICT,
    )


async def method_not_allowed(request: Request, error: HTTPException) -> JSONResponse:
    """405 whose `Allow` lists every method of the path, not just one route's.

    The methods are those the OpenAPI schema documents for any path that matches.
    """
    app: FastAPI = request.app
    allowed: set[str] = set()
    for path, operations in app.openapi()["paths"].items():
        pattern, _, _ = compile_path(path)
        if pattern.match(request.url.path):
            allowed.update(method.upper() for method in operations)
    if "GET" in allowed:
        allowed.add("HEAD")
    return JSONResponse(
        {"detail": error.detail},
        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
        headers={"Allow": ", ".join(sorted(allowed))},
    )


async def internal_error(request: Request, error: Exception) -> JSONResponse:
    # Starlette logs the traceback after this answer is sent.
    return JSONResponse(
        {"detail": "Internal Server Error"}, status_code=status.HTTP_500_INTERNAL_SERVER_ERROR
    )


def install_error_handlers(app: FastAPI) -> None:
    app.exception_handler(Exception)(internal_error)
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED)(method_not_allowed)
    for error_type in DATABASE_ERRORS:
        app.exception_handler(error_type)(database_error)
    for error_type in CONFLICT_ERRORS:
        app.exception_handler(error_type)(conflict)
