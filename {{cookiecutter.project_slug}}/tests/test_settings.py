from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.settings import Settings

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
{%- if cookiecutter.database == "postgresql" %}


def test_repr_hides_the_password() -> None:
    assert "secret" not in repr(Settings(database_url=ASYNC_URL))


def test_database_url_is_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ValueError, match="database_url"):
        Settings()
{%- endif %}
