from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .support import serve


def test_environment_wins_over_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DOCS_ENABLED=false\n")
    monkeypatch.delenv("DOCS_ENABLED", raising=False)
    assert Settings(database_url=database_url).docs_enabled is False
    monkeypatch.setenv("DOCS_ENABLED", "true")
    assert Settings(database_url=database_url).docs_enabled is True


def test_cors_origins_are_read_comma_separated(
    monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings(database_url=database_url).cors_origins == [
        "https://a.example",
        "https://b.example",
    ]
    monkeypatch.setenv("CORS_ORIGINS", "")
    assert Settings(database_url=database_url).cors_origins == []


# What a browser asks before a cross-origin change sent as JSON with a bearer token.
PREFLIGHT = {
    "Access-Control-Request-Method": "PATCH",
    "Access-Control-Request-Headers": "authorization, content-type",
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
