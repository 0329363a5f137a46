import asyncio
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from {{ cookiecutter.package_name }}.models import metadata

from .provision import create_test_engine, provision_database
from .support import ALEMBIC_INI, migrate

TABLES = {"alembic_version", *metadata.tables}


async def table_names(database_url: str) -> set[str]:
    engine = create_test_engine(database_url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    with provision_database("migrations") as url:
        yield url


def test_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    migrate(empty_database_url, "head")
    assert asyncio.run(table_names(empty_database_url)) == TABLES
    migrate(empty_database_url, "base", down=True)
    assert asyncio.run(table_names(empty_database_url)) == {"alembic_version"}
    migrate(empty_database_url, "head")
    assert asyncio.run(table_names(empty_database_url)) == TABLES


def test_models_match_migrations(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`alembic check` finds nothing to autogenerate: the models and migrations agree."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    command.check(Config(ALEMBIC_INI))
