import asyncio
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import bindparam, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from {{ cookiecutter.package_name }}.settings import Settings

SERVER_URL_VARIABLE = "TEST_MYSQL_URL"
# Binary and NO PAD, so that texts differing only in case, accents or trailing
# spaces are different notes, as on the other databases: MariaDB's name, then
# MySQL 8's for the same collation.
COLLATIONS = ("utf8mb4_nopad_bin", "utf8mb4_0900_bin")


def server_url() -> str:
    """The URL of a MySQL or MariaDB server where the tests may create databases."""
    url = os.environ.get(SERVER_URL_VARIABLE)
    if not url:
        pytest.fail(
            f"{SERVER_URL_VARIABLE} is not set: point it at a MySQL or MariaDB server where "
            "this user may create databases, e.g. mysql://root:root@127.0.0.1:3306/mysql",
            pytrace=False,
        )
    return Settings(database_url=url).database_url


async def create(server: str, database: str) -> None:
    engine = create_async_engine(server)
    try:
        async with engine.begin() as connection:
            collation = await connection.scalar(
                text(
                    "SELECT collation_name FROM information_schema.collations"
                    " WHERE collation_name IN :names ORDER BY collation_name DESC LIMIT 1"
                ).bindparams(bindparam("names", COLLATIONS, expanding=True))
            )
            await connection.execute(
                text(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE {collation}")
            )
    finally:
        await engine.dispose()


async def drop(server: str, database: str) -> None:
    engine = create_async_engine(server)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS `{database}`"))
    finally:
        await engine.dispose()


@contextmanager
def provision_database(name: str) -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards.

    The process id keeps parallel pytest-xdist workers and projects apart.
    """
    server = server_url()
    database = f"{{ cookiecutter.package_name[:40] }}_{name}_{os.getpid()}"
    asyncio.run(create(server, database))
    try:
        yield make_url(server).set(database=database).render_as_string(hide_password=False)
    finally:
        asyncio.run(drop(server, database))


def create_test_engine(database_url: str) -> AsyncEngine:
    return create_async_engine(database_url)


@contextmanager
def unreachable_database() -> Iterator[str]:
    """A server address where nothing listens: a loopback port just released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield f"mysql+asyncmy://root@127.0.0.1:{port}/notes"
