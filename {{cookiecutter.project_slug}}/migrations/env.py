"""Alembic environment: the URL comes from the app's settings, the tables from its models."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from {{ cookiecutter.package_name }} import dialect
from {{ cookiecutter.package_name }}.db import DatabaseSettings
from {{ cookiecutter.package_name }}.models import metadata

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def configure(**options: object) -> None:
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
    context.configure(target_metadata=metadata, compare_type=True, **options)


def run_migrations_offline() -> None:
    url = DatabaseSettings().database_url
    configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(connection: Connection) -> None:
    # All migrations in one transaction where the database allows it (SQLite's
    # DDL is transactional too, though Alembic does not assume so).
    sqlite = connection.dialect.name == "sqlite"
    configure(connection=connection, render_as_batch=sqlite, transactional_ddl=sqlite or None)
    # Processes that start at once (replicas, a rollout) take turns: one
    # migrates, the others then find nothing left to do (see dialect.py).
    with context.begin_transaction(), dialect.migration_lock(connection):
        context.run_migrations()


async def run_migrations_online() -> None:
    # Only the database's settings: migrations need no others, such as secrets.
    settings = DatabaseSettings()
    # Connections set up as the app's are (on SQLite: WAL mode, foreign keys).
    engine = create_async_engine(
        settings.database_url,
        poolclass=pool.NullPool,
        connect_args=dialect.engine_connect_args(settings),
    )
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
