"""Error responses: every error is JSON with a `detail`."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match, Route

from .db import CONFLICT_ERRORS, UNAVAILABLE_ERRORS

logger = logging.getLogger(__name__)


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


async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    # The error's type is enough to diagnose; its text may carry connection details.
    logger.warning(
        "database unavailable during %s %s: %s",
        request.method,
        request.url.path,
        type(error).__name__,
    )
    return JSONResponse(
        {"detail": "Database unavailable"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )


async def conflict(request: Request, error: Exception) -> JSONResponse:
    # The write, rolled back, broke a constraint such as a unique column. The
    # driver's message quotes tables and values, so it stays out of the response.
    logger.info("conflict during %s %s: %s", request.method, request.url.path, type(error).__name__)
    return JSONResponse(
        {"detail": "Conflicts with existing data"},
        status_code=status.HTTP_409_CONFLICT,
    )


async def method_not_allowed(request: Request, error: HTTPException) -> JSONResponse:
    """405 whose `Allow` lists the methods of every route on the path, not just one route's."""
    allowed: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches({**request.scope, "method": ""})
            if match is Match.PARTIAL:
                allowed |= route.methods
    return JSONResponse(
        {"detail": error.detail},
        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
        headers={"Allow": ", ".join(sorted(allowed))},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED)(method_not_allowed)
    for error_type in UNAVAILABLE_ERRORS:
        app.exception_handler(error_type)(database_unavailable)
    for error_type in CONFLICT_ERRORS:
        app.exception_handler(error_type)(conflict)
