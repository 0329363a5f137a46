"""The engine's settings, and the errors of its calls as the API answers them."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import Field
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from . import dialect
from .errors import Conflict, DatabaseUnavailable, UnexpectedDatabaseError


class DatabaseSettings(dialect.ConnectionSettings):
    """The connection pool; the README's Settings table explains each."""

    database_pool_size: int = Field(default=dialect.POOL_SIZE, ge=1)
    # Connections past the pool size are closed when returned; under steady load
    # that means a new connection per request, so none by default.
    database_pool_max_overflow: int = Field(default=0, ge=0)
    database_pool_recycle: int = Field(default=1800, ge=1)
    database_pool_pre_ping: bool = False


def engine(settings: DatabaseSettings, *, pool_size: int, **options: Any) -> AsyncEngine:
    return create_async_engine(
        settings.database_url,
        pool_size=pool_size,
        max_overflow=settings.database_pool_max_overflow,
        pool_timeout=settings.database_pool_timeout,
        pool_recycle=settings.database_pool_recycle,
        pool_pre_ping=settings.database_pool_pre_ping,
        connect_args=dialect.engine_connect_args(settings),
        # A failed statement's error shows its SQL, never the values bound to it, so
        # a 500's logged traceback leaves them out.
        hide_parameters=True,
        **options,
    )


@contextmanager
def translated_errors() -> Iterator[None]:
    """Errors of database calls as the API answers them: 503 or 409.

    Repositories answer their constraints' refusals first (constraints.py). Any
    other database error is a bug, and stays a 500, without the driver's text.
    """
    try:
        yield
    except exc.TimeoutError as error:  # no pooled connection came free in time
        raise DatabaseUnavailable from error
    except exc.DBAPIError as error:
        driver_error = error.orig or error
        if isinstance(error, exc.InterfaceError) or dialect.is_outage(driver_error):
            raise DatabaseUnavailable from error
        if dialect.is_unique_violation(driver_error):
            raise Conflict from error
        unexpected = UnexpectedDatabaseError(
            f"{type(driver_error).__name__} ({dialect.error_code(driver_error)}) in: {error.statement}",
            driver_error,
        )
        raise unexpected.with_traceback(error.__traceback__) from None
