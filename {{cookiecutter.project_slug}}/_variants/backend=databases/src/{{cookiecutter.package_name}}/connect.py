"""Errors of the database's calls as the API answers them."""

from collections.abc import Iterator
from contextlib import contextmanager

from . import dialect
from .errors import Conflict, DatabaseUnavailable, UnexpectedDatabaseError


@contextmanager
def translated_errors() -> Iterator[None]:
    """Errors of database calls as the API answers them: 503 or 409.

    `databases` raises the driver's own errors; each call of the app's database
    raises these instead. Repositories answer their constraints' refusals from
    them (constraints.py). Any other database error is a bug, and stays a 500,
    without the driver's text.
    """
    try:
        yield
    except Exception as error:
        if dialect.is_outage(error):
            raise DatabaseUnavailable from error
        if dialect.is_unique_violation(error):
            raise Conflict from error
        code = dialect.error_code(error)
        if code is None:  # not the database's
            raise
        unexpected = UnexpectedDatabaseError(f"{type(error).__name__} ({code})", error)
        raise unexpected.with_traceback(error.__traceback__) from None
