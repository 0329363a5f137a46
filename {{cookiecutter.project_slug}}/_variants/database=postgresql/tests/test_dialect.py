"""What is particular to PostgreSQL: its URL, its pool, and its password."""

import logging
import secrets
from pathlib import Path

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import make_url

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .isolation import connection_held
from .provision import unreachable_database
from .support import serve

ASYNC_URL = "postgresql+asyncpg://app:pa55word@db.internal:5432/notes"
UNAVAILABLE = {"detail": "Database unavailable"}


@pytest.mark.parametrize(
    "url",
    [
        "postgres://app:pa55word@db.internal:5432/notes",
        "postgresql://app:pa55word@db.internal:5432/notes",
        ASYNC_URL,
    ],
)
def test_database_url_selects_the_async_driver(url: str) -> None:
    assert Settings(database_url=url).database_url == ASYNC_URL


def test_database_url_is_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ValueError, match="database_url"):
        Settings()


def test_repr_hides_the_password() -> None:
    assert "pa55word" not in repr(Settings(database_url=ASYNC_URL))


def assert_unavailable(response: Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == UNAVAILABLE
    assert response.headers["retry-after"] == "1"


async def test_exhausted_pool_is_503_after_the_pool_timeout(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        database_pool_size=1,
        database_pool_max_overflow=0,
        database_pool_timeout=0.2,
    )
    app = create_app(settings)
    async with serve(app) as client:
        async with connection_held(app):
            waited = await client.get("/notes")
        assert_unavailable(waited)
        assert (await client.get("/notes")).status_code == 200


async def reads_and_writes(client: AsyncClient) -> list[Response]:
    return [await client.get("/notes"), await client.post("/notes", json={"text": "Lost"})]


async def test_password_stays_out_of_logs_and_responses(caplog: pytest.LogCaptureFixture) -> None:
    password = secrets.token_urlsafe()
    with unreachable_database() as url:
        with_password = make_url(url).set(password=password)
        settings = Settings(database_url=with_password.render_as_string(hide_password=False))
        with caplog.at_level(logging.DEBUG):
            async with serve(create_app(settings)) as client:
                responses = [await client.get("/health"), *await reads_and_writes(client)]
    for response in responses:
        assert_unavailable(response)
        assert password not in response.text
        assert password not in str(response.headers)
    assert caplog.records
    assert password not in caplog.text
    assert password not in repr(settings)
    assert password not in str(settings)
