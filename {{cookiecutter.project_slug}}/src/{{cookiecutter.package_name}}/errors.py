"""Error responses: every error is JSON with a `detail`."""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from .db import UNAVAILABLE_ERRORS

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


def install_error_handlers(app: FastAPI) -> None:
    app.exception_handler(RequestValidationError)(invalid_request)
    for error_type in UNAVAILABLE_ERRORS:
        app.exception_handler(error_type)(database_unavailable)
