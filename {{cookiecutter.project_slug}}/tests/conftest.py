from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .isolation import isolated_database
from .provision import provision_database

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


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """One migrated database per test session (per pytest-xdist worker)."""
    with provision_database("app") as url:
        migrate(url, "head")
        yield url


@pytest.fixture
def app(database_url: str) -> FastAPI:
    return create_app(Settings(database_url=database_url))


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """A client that talks to the app in-process, with its startup and shutdown run."""
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
async def client(app: FastAPI, database_url: str) -> AsyncIterator[AsyncClient]:
    """A client whose writes are rolled back after the test."""
    async with isolated_database(app, database_url), serve(app) as client:
        yield client
