"""Helpers the tests share: running migrations and talking to the app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
{%- if cookiecutter.auth == "fastapi-users" %}

from .accounts import sign_in_as_new_user
{%- endif %}

ALEMBIC_INI = Path(__file__).parents[1] / "alembic.ini"


def migrate(database_url: str, revision: str, *, down: bool = False) -> None:
    """Run Alembic as `alembic upgrade/downgrade` would, against `database_url`."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", database_url)
        config = Config(ALEMBIC_INI)
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """A client that talks to the app in-process, with its startup and shutdown run."""
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
{%- if cookiecutter.auth == "fastapi-users" %}
            # As a user of its own, new for each client.
            await sign_in_as_new_user(app, client)
{%- endif %}
            yield client
