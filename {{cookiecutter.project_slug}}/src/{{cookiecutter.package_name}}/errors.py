"""Error responses: every error is JSON with a `detail`."""

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from .db import UNAVAILABLE_ERRORS

logger = logging.getLogger(__name__)


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
    for error_type in UNAVAILABLE_ERRORS:
        app.add_exception_handler(error_type, database_unavailable)
