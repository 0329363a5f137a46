from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .isolation import isolated_database
from .provision import provision_database
from .support import migrate, serve


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """One migrated database per test session (per pytest-xdist worker)."""
    with provision_database("app") as url:
        migrate(url, "head")
        yield url


@pytest.fixture
def fresh_database_url() -> Iterator[str]:
    """A migrated database of the test's own, for tests that need the app's real pool."""
    with provision_database("fresh") as url:
        migrate(url, "head")
        yield url


@pytest.fixture
def app(database_url: str) -> FastAPI:
    return create_app(Settings(database_url=database_url))


@pytest.fixture
async def client(app: FastAPI, database_url: str) -> AsyncIterator[AsyncClient]:
    """A client whose writes are rolled back after the test."""
    async with isolated_database(app, database_url), serve(app) as client:
        yield client
