import asyncio
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from {{ cookiecutter.package_name }} import dialect
from {{ cookiecutter.package_name }}.settings import Settings

SERVER_URL_VARIABLE = "TEST_POSTGRES_URL"


def server_url() -> str:
    """The URL of a PostgreSQL server where the tests may create databases."""
    url = os.environ.get(SERVER_URL_VARIABLE)
    if not url:
        pytest.fail(
            f"{SERVER_URL_VARIABLE} is not set: point it at a PostgreSQL server where "
            "this user may create databases, e.g. "
            "postgresql://postgres:postgres@127.0.0.1:5432/postgres",
            pytrace=False,
        )
    return Settings(database_url=url).database_url


async def execute(url: str, statement: str) -> None:
    engine = create_test_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@contextmanager
def provision_database(name: str) -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards.

    The process id keeps parallel pytest-xdist workers and projects apart.
    """
    server = server_url()
    database = f"{{ cookiecutter.package_name[:40] }}_{name}_{os.getpid()}"
    asyncio.run(execute(server, f'CREATE DATABASE "{database}"'))
    try:
        yield make_url(server).set(database=database).render_as_string(hide_password=False)
    finally:
        asyncio.run(execute(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def create_test_engine(database_url: str, **options: Any) -> AsyncEngine:
    """An engine whose connections are set up as the app's are (behind PgBouncer too)."""
    settings = Settings(database_url=database_url)
    return create_async_engine(
        database_url, connect_args=dialect.engine_connect_args(settings), **options
    )


@contextmanager
def unreachable_database() -> Iterator[str]:
    """A server address where nothing listens: a loopback port just released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
