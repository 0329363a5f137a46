"""What is particular to MySQL and MariaDB: the URL, the character set and collation,
the pool, error numbers, and the password."""

import logging
import secrets
from pathlib import Path

import pytest
from asyncmy.errors import IntegrityError, OperationalError, ProgrammingError
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import make_url

from {{ cookiecutter.package_name }} import dialect
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings

from .isolation import connection_held, execute
from .provision import unreachable_database
from .support import serve

ASYNC_URL = "mysql+asyncmy://app:pa55word@db.internal:3306/notes"
UNAVAILABLE = {"detail": "Database unavailable"}


@pytest.mark.parametrize(
    "url",
    [
        "mysql://app:pa55word@db.internal:3306/notes",
        "mariadb://app:pa55word@db.internal:3306/notes",
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


@pytest.mark.parametrize(
    ("error", "outage", "conflict"),
    [
        (OperationalError(2003, "Can't connect to MySQL server"), True, False),
        (OperationalError(2013, "Lost connection to MySQL server during query"), True, False),
        (OperationalError(1040, "Too many connections"), True, False),
        (OperationalError(1205, "Lock wait timeout exceeded"), True, False),
        (IntegrityError(1062, "Duplicate entry 'x' for key 'uq_notes_text'"), False, True),
        (IntegrityError(1048, "Column 'text' cannot be null"), False, False),
        (ProgrammingError(1064, "You have an error in your SQL syntax"), False, False),
        (ValueError(1062), False, False),
    ],
    ids=["refused", "lost", "too-many", "lock-wait", "duplicate", "null", "syntax", "not-mysql"],
)
def test_errors_are_told_apart_by_their_number(
    error: BaseException, outage: bool, conflict: bool
) -> None:
    assert dialect.is_outage(error) is outage
    assert dialect.is_unique_violation(error) is conflict


async def test_connections_talk_utf8mb4(app: FastAPI, client: AsyncClient) -> None:
    for variable in ("character_set_client", "character_set_connection", "character_set_results"):
        assert await execute(app, f"SELECT @@{variable}", writes=False) == "utf8mb4", variable


async def test_texts_differing_in_case_accents_or_trailing_spaces_are_different_notes(
    client: AsyncClient,
) -> None:
    """The database's collation is binary and NO PAD, so uniqueness is as elsewhere."""
    texts = ["Note", "note", "Noté", "Note "]
    responses = [await client.post("/notes", json={"text": text}) for text in texts]
    assert [response.status_code for response in responses] == [201] * len(texts)
    listed = (await client.get("/notes")).json()
    assert [note["text"] for note in listed] == texts


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


@pytest.mark.parametrize("change", ["password", "database"])
async def test_refused_login_or_missing_database_is_503(database_url: str, change: str) -> None:
    url = make_url(database_url)
    if change == "password":
        url = url.set(password=secrets.token_urlsafe())
    else:
        url = url.set(database=f"{url.database}_missing")
    settings = Settings(database_url=url.render_as_string(hide_password=False))
    async with serve(create_app(settings)) as client:
        for response in [await client.get("/health"), *await reads_and_writes(client)]:
            assert_unavailable(response)


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
