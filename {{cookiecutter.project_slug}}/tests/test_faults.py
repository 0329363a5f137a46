"""Database faults: each is a 503 with a JSON detail, and the service recovers."""
{%- set pooled = cookiecutter.backend == "orm" or cookiecutter.database == "postgresql" %}

{%- if cookiecutter.database == "postgresql" %}

import logging
import secrets
{%- else %}

import sqlite3
{%- endif %}

from httpx import AsyncClient, Response
{%- if cookiecutter.database == "postgresql" %}
from pytest import LogCaptureFixture
from sqlalchemy import make_url
{%- else %}
from sqlalchemy import make_url
{%- endif %}

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings
{% if pooled %}
from .isolation import connection_held
{%- endif %}
{%- if cookiecutter.database == "postgresql" %}
from .provision import unreachable_database
{%- endif %}
from .support import serve

UNAVAILABLE = {"detail": "Database unavailable"}


def assert_unavailable(response: Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == UNAVAILABLE
    assert response.headers["retry-after"] == "1"


async def reads_and_writes(client: AsyncClient) -> list[Response]:
    return [await client.get("/notes"), await client.post("/notes", json={"text": "Lost"})]
{%- if pooled %}


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


async def test_a_failed_write_leaves_its_connection_clean(fresh_database_url: str) -> None:
    """With one connection in the pool, a request after a failed commit still works."""
    settings = Settings(
        database_url=fresh_database_url, database_pool_size=1, database_pool_max_overflow=0
    )
    async with serve(create_app(settings)) as client:
        assert (await client.post("/notes", json={"text": "Once"})).status_code == 201
        assert (await client.post("/notes", json={"text": "Once"})).status_code == 409
        assert (await client.post("/notes", json={"text": "Twice"})).status_code == 201
        listed = await client.get("/notes")
    assert [note["text"] for note in listed.json()] == ["Once", "Twice"]
{%- endif %}
{%- if cookiecutter.database == "sqlite" %}


async def test_locked_database_is_503_until_the_lock_goes(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, database_pool_timeout=0.2))
    async with serve(app) as client:
        # Another process's exclusive transaction keeps readers and writers out.
        locker = sqlite3.connect(str(make_url(database_url).database), isolation_level=None)
        try:
            locker.execute("BEGIN EXCLUSIVE")
            responses = await reads_and_writes(client)
        finally:
            locker.close()
        for response in responses:
            assert_unavailable(response)
        assert (await client.get("/notes")).json() == []
{%- else %}


async def test_password_stays_out_of_logs_and_responses(caplog: LogCaptureFixture) -> None:
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
{%- endif %}
