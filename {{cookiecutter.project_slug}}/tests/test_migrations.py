import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

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


async def versions(database_url: str) -> list[str]:
    engine = create_test_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return list(rows.scalars())
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


# Two are a race already; each more costs a process start and changes nothing.
UPGRADES_AT_ONCE = 2
# `alembic upgrade head` as a replica runs it, but started on a word from the test
# once everything is imported, so that the upgrades really run at the same time.
UPGRADE_ON_CUE = f"""
import sys
from alembic.config import main
import {{ cookiecutter.package_name }}.db
print("ready", flush=True)
sys.stdin.readline()
main(argv=["-c", {str(ALEMBIC_INI)!r}, "upgrade", "head"])
"""


def test_upgrades_at_once_take_turns(empty_database_url: str) -> None:
    """Replicas that each run `alembic upgrade head` as they start, on a new database:
    one migrates, any other waits and finds nothing left to do."""
    env = {**os.environ, "DATABASE_URL": empty_database_url}
    upgrades = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE_ON_CUE],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(UPGRADES_AT_ONCE)
    ]
    for upgrade in upgrades:
        assert upgrade.stdout and upgrade.stdout.readline() == "ready\n"
    for upgrade in upgrades:
        assert upgrade.stdin
        upgrade.stdin.write("go\n")
        upgrade.stdin.flush()
    errors = [upgrade.communicate(timeout=120)[1] for upgrade in upgrades]
    assert [upgrade.returncode for upgrade in upgrades] == [0] * UPGRADES_AT_ONCE, errors
    assert asyncio.run(table_names(empty_database_url)) == TABLES
    head = ScriptDirectory.from_config(Config(ALEMBIC_INI)).get_current_head()
    assert asyncio.run(versions(empty_database_url)) == [head]
    # Exactly one of them ran the migrations (Alembic logs each one it runs).
    ran = [error for error in errors if "Running upgrade  ->" in error]
    assert len(ran) == 1, errors
