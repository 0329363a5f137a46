from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .support import serve

{% if cookiecutter.database == "sqlite" -%}
PLAIN_URLS = ["sqlite:///./data/notes.db"]
ASYNC_URL = "sqlite+aiosqlite:///./data/notes.db"
OTHER_URL = "sqlite+aiosqlite:///./other.db"
{%- else -%}
PLAIN_URLS = [
    "postgres://app:secret@db.internal:5432/notes",
    "postgresql://app:secret@db.internal:5432/notes",
]
ASYNC_URL = "postgresql+asyncpg://app:secret@db.internal:5432/notes"
OTHER_URL = "postgresql+asyncpg://app@other.internal:5432/notes"
{%- endif %}


@pytest.mark.parametrize("url", [*PLAIN_URLS, ASYNC_URL])
def test_database_url_selects_the_async_driver(url: str) -> None:
    assert Settings(database_url=url).database_url == ASYNC_URL


def test_environment_wins_over_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"DATABASE_URL={PLAIN_URLS[0]}\n")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Settings().database_url == ASYNC_URL
    monkeypatch.setenv("DATABASE_URL", OTHER_URL)
    assert Settings().database_url == OTHER_URL


def test_cors_origins_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings(database_url=ASYNC_URL).cors_origins == [
        "https://a.example",
        "https://b.example",
    ]
    monkeypatch.setenv("CORS_ORIGINS", "")
    assert Settings(database_url=ASYNC_URL).cors_origins == []


PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}


async def test_cors_is_closed_by_default(database_url: str) -> None:
    async with serve(create_app(Settings(database_url=database_url))) as client:
        preflight = await client.options(
            "/notes", headers={"Origin": "https://a.example", **PREFLIGHT}
        )
        simple = await client.get("/health", headers={"Origin": "https://a.example"})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


async def test_cors_allows_only_the_listed_origins(database_url: str) -> None:
    settings = Settings(database_url=database_url, cors_origins=["https://a.example"])
    async with serve(create_app(settings)) as client:
        allowed = await client.options(
            "/notes", headers={"Origin": "https://a.example", **PREFLIGHT}
        )
        other = await client.options(
            "/notes", headers={"Origin": "https://evil.example", **PREFLIGHT}
        )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://a.example"
    assert "access-control-allow-origin" not in other.headers


async def test_docs_can_be_switched_off(database_url: str) -> None:
    async with serve(create_app(Settings(database_url=database_url))) as client:
        assert (await client.get("/openapi.json")).status_code == 200
    settings = Settings(database_url=database_url, docs_enabled=False)
    async with serve(create_app(settings)) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert response.json() == {"detail": "Not Found"}
        assert (await client.get("/health")).status_code == 200
{%- if cookiecutter.database == "postgresql" %}


def test_repr_hides_the_password() -> None:
    assert "secret" not in repr(Settings(database_url=ASYNC_URL))


def test_database_url_is_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ValueError, match="database_url"):
        Settings()
{%- endif %}
