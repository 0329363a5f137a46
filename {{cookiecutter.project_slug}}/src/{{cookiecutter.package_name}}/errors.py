"""Error responses: every error is JSON with a `detail`."""

import logging
from collections.abc import Mapping
from typing import Any

from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from .observability import REQUEST_ID_HEADER

logger = logging.getLogger(__name__)


class DatabaseUnavailable(Exception):
    """The database cannot serve now: down, unreachable, locked or out of connections.

    Raised where the database is called (db.py), from the driver's error.
    """


class Conflict(Exception):
    """A write conflicts with data already there; nothing was written.

    Such as a value that must be unique and is taken, or a delete of a row that
    others still reference. `detail` tells the client which.
    """

    def __init__(self, detail: str = "Conflicts with existing data") -> None:
        super().__init__(detail)
        self.detail = detail


class MissingReference(Exception):
    """A write names, in `field`, a row that does not exist; nothing was written."""

    def __init__(self, field: str, resource: str) -> None:
        super().__init__(field)
        self.field = field
        self.resource = resource


class UnexpectedDatabaseError(Exception):
    """A database error the service has no answer for: a bug, answered with a 500.

    It stands in for the driver's error, whose text may hold a row's values
    (PostgreSQL's "Failing row contains ..."), so that logs never show them.
    """

    def __init__(self, description: str, driver_error: BaseException) -> None:
        super().__init__(description)
        # Kept for a repository's constraints (constraints.py), but not as the
        # cause, whose text a logged traceback would show.
        self.driver_error = driver_error


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
    # The type of the driver's error, at the end of the chain, is enough to
    # diagnose; its text may carry connection details or the values of a row,
    # so neither logs nor responses show it.
    cause: BaseException = error
    while cause.__cause__ is not None:
        cause = cause.__cause__
    logger.log(
        level, "%s during %s %s: %s", what, request.method, request.url.path, type(cause).__name__
    )


async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    log_database_error(logging.WARNING, "database unavailable", request, error)
    return JSONResponse(
        {"detail": "Database unavailable"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )


async def conflict(request: Request, error: Conflict) -> JSONResponse:
    log_database_error(logging.INFO, "conflict", request, error)
    return JSONResponse({"detail": error.detail}, status_code=status.HTTP_409_CONFLICT)


async def missing_reference(request: Request, error: MissingReference) -> JSONResponse:
    """A 422 on the field, shaped as the request's own validation errors are."""
    log_database_error(logging.INFO, "missing reference", request, error)
    problem = {
        "type": "missing_reference",
        "loc": ["body", error.field],
        "msg": f"No {error.resource} has this id",
    }
    return JSONResponse({"detail": [problem]}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


async def method_not_allowed(request: Request, error: HTTPException) -> JSONResponse:
    """405 whose `Allow` lists every method of the path, not just one route's.

    The methods are those the OpenAPI schema documents for the path.
    """
    app: FastAPI = request.app
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    # A path written out, such as /users/me, is its own resource, though a
    # template (/users/{id}) matches it too.
    matching = [request.url.path] if request.url.path in paths else list(paths)
    allowed: set[str] = set()
    for path in matching:
        pattern, _, _ = compile_path(path)
        if pattern.match(request.url.path):
            allowed.update(method.upper() for method in paths[path])
    if "GET" in allowed:
        allowed.add("HEAD")
    return JSONResponse(
        {"detail": error.detail},
        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
        headers={"Allow": ", ".join(sorted(allowed))},
    )


async def internal_error(request: Request, error: Exception) -> JSONResponse:
    # The access record has logged the traceback. This answer is sent from
    # outside every middleware, so it carries the request id itself.
    return JSONResponse(
        {"detail": "Internal Server Error"},
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        headers={REQUEST_ID_HEADER: correlation_id.get() or ""},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.exception_handler(Exception)(internal_error)
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED)(method_not_allowed)
    app.exception_handler(DatabaseUnavailable)(database_unavailable)
    app.exception_handler(Conflict)(conflict)
    app.exception_handler(MissingReference)(missing_reference)
