"""Accounts and tokens: registering, signing in, and what tokens are refused."""

import asyncio
import logging
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from fastapi import FastAPI
from fastapi_users.jwt import generate_jwt
from fastapi_users.password import PasswordHelper
from httpx import AsyncClient

from {{ cookiecutter.package_name }}.auth import delivery, superuser
from {{ cookiecutter.package_name }}.auth.manager import UserManager
from {{ cookiecutter.package_name }}.auth.schemas import UserCreate
from {{ cookiecutter.package_name }}.auth.users import UserDatabase
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings, get_settings

from .accounts import (
    PASSWORD,
    SERVICE_PASSWORD_HELPER,
    bearer,
    log_in,
    new_email,
    register,
    signed_token,
)
from .isolation import execute
from .support import serve

BAD_CREDENTIALS = {"detail": "LOGIN_BAD_CREDENTIALS"}
UNAUTHORIZED = {"detail": "Unauthorized"}


@pytest.fixture
async def anonymous(app: FastAPI, client: AsyncClient) -> AsyncClient:
    """The test's client, without its token."""
    del client.headers["Authorization"]
    return client


async def test_register_log_in_and_read_me(anonymous: AsyncClient) -> None:
    email = new_email()
    user = await register(anonymous, email)
    assert user == {
        "id": user["id"],
        "email": email,
        "is_active": True,
        "is_superuser": False,
        "is_verified": False,
    }
    assert "password" not in str(user) and "hashed" not in str(user)
    token = await log_in(anonymous, email)
    me = await anonymous.get("/users/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json() == user


async def test_one_address_however_cased_is_one_account(anonymous: AsyncClient) -> None:
    user = await register(anonymous, "Ann@Example.org")
    assert user["email"] == "ann@example.org"
    again = await anonymous.post(
        "/auth/register", json={"email": "ann@example.org", "password": PASSWORD}
    )
    assert again.status_code == 400
    assert again.json() == {"detail": "REGISTER_USER_ALREADY_EXISTS"}
    token = await log_in(anonymous, "ANN@example.ORG")
    assert (await anonymous.get("/users/me", headers=bearer(token))).json() == user


async def test_concurrent_registrations_of_one_address_make_one_account(
    fresh_database_url: str,
) -> None:
    # Ten attempts on one address at once would pass its limit.
    app = create_app(Settings(database_url=fresh_database_url, auth_rate_limit_enabled=False))
    async with serve(app) as client:
        del client.headers["Authorization"]
        body = {"email": "same@example.org", "password": PASSWORD}
        responses = await asyncio.gather(
            *(client.post("/auth/register", json=body) for _ in range(10))
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [201] + [400] * 9, statuses
        for response in responses:
            if response.status_code == 400:
                assert response.json() == {"detail": "REGISTER_USER_ALREADY_EXISTS"}
        token = await log_in(client, "same@example.org")
        assert (await client.get("/users/me", headers=bearer(token))).status_code == 200


@pytest.mark.parametrize("password", ["short", "x" * 129], ids=["too-short", "too-long"])
async def test_passwords_of_the_wrong_length_are_422(anonymous: AsyncClient, password: str) -> None:
    response = await anonymous.post(
        "/auth/register", json={"email": new_email(), "password": password}
    )
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", "password"]]


async def test_the_email_address_is_no_password(anonymous: AsyncClient) -> None:
    email = new_email()
    response = await anonymous.post("/auth/register", json={"email": email, "password": email})
    assert response.status_code == 400
    refused = {
        "code": "REGISTER_INVALID_PASSWORD",
        "reason": "Password should not be the email address",
    }
    assert response.json() == {"detail": refused}


async def test_a_partial_update_of_me_refuses_null(client: AsyncClient) -> None:
    before = (await client.get("/users/me")).json()
    assert (await client.patch("/users/me", json={})).json() == before
    for field in ("email", "password", "is_active"):
        refused = await client.patch("/users/me", json={field: None})
        assert refused.status_code == 422, field
    # A value of the wrong type is one error, about that type alone.
    wrong = await client.patch("/users/me", json={"is_active": "yes"})
    [error] = wrong.json()["detail"]
    assert error["loc"] == ["body", "is_active"]
    assert "None" not in error["msg"]
    assert (await client.get("/users/me")).json() == before


async def test_wrong_password_and_unknown_address_get_the_same_answer(
    anonymous: AsyncClient,
) -> None:
    email = new_email()
    await register(anonymous, email)
    wrong = await anonymous.post("/auth/jwt/login", data={"username": email, "password": "nope"})
    unknown = await anonymous.post(
        "/auth/jwt/login", data={"username": new_email(), "password": PASSWORD}
    )
    assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())
    assert (wrong.status_code, wrong.json()) == (400, BAD_CREDENTIALS)


async def test_other_requests_are_answered_while_a_password_is_checked(
    anonymous: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = new_email()
    await register(anonymous, email)
    checking, answered = threading.Event(), threading.Event()
    verify_and_update = PasswordHelper.verify_and_update

    def held_check(helper: PasswordHelper, password: str, hashed: str) -> tuple[bool, str | None]:
        # Holds the check until another request is answered; on the event loop it
        # would hold that request too, until the wait gives up.
        checking.set()
        answered.wait(timeout=10)
        return verify_and_update(helper, password, hashed)

    monkeypatch.setattr(PasswordHelper, "verify_and_update", held_check)
    login = asyncio.create_task(log_in(anonymous, email))
    await asyncio.to_thread(checking.wait, 10)
    health = await anonymous.get("/health")
    login_waited = not login.done()
    answered.set()
    await login
    assert health.status_code == 200
    assert login_waited


async def test_tokens_that_are_refused(app: FastAPI, anonymous: AsyncClient) -> None:
    email = new_email()
    user = await register(anonymous, email)
    token = await log_in(anonymous, email)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    expired = generate_jwt(
        {"sub": user["id"], "aud": ["fastapi-users:auth"]},
        app.state.settings.auth_secret.get_secret_value(),
        lifetime_seconds=-1,
    )
    other_key = generate_jwt(
        {"sub": user["id"], "aud": ["fastapi-users:auth"]}, "x" * 32, lifetime_seconds=60
    )
    for refused in (
        tampered,
        expired,
        other_key,
        "not-a-token",
        await signed_token(app, uuid.uuid4()),
    ):
        response = await anonymous.get("/users/me", headers=bearer(refused))
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED), refused
    assert (await anonymous.get("/users/me")).status_code == 401


async def superuser_token(app: FastAPI, client: AsyncClient) -> str:
    """The token of a new superuser, made as the create-superuser command makes one."""
    email = new_email()
    manager = UserManager(UserDatabase(app.state.database), app.state.settings)
    await manager.create(
        UserCreate(email=email, password=PASSWORD, is_superuser=True, is_verified=True)
    )
    return await log_in(client, email)


async def test_only_superusers_manage_other_users(fresh_database_url: str) -> None:
    app = create_app(Settings(database_url=fresh_database_url))
    async with serve(app) as client:
        me = (await client.get("/users/me")).json()
        other = await register(client, new_email())
        assert (await client.get(f"/users/{other['id']}")).status_code == 403
        admin = bearer(await superuser_token(app, client))
        assert (await client.get(f"/users/{other['id']}", headers=admin)).json() == other
        deactivated = await client.patch(
            f"/users/{me['id']}", json={"is_active": False}, headers=admin
        )
        assert deactivated.json()["is_active"] is False
        # An inactive user's token is refused, and they cannot log in again.
        assert (await client.get("/users/me")).status_code == 401
        login = await client.post(
            "/auth/jwt/login", data={"username": me["email"], "password": PASSWORD}
        )
        assert (login.status_code, login.json()) == (400, BAD_CREDENTIALS)


async def test_deleting_a_user_deletes_their_notes(fresh_database_url: str) -> None:
    app = create_app(Settings(database_url=fresh_database_url))
    async with serve(app) as client:
        me = (await client.get("/users/me")).json()
        assert (await client.post("/notes", json={"text": "Mine"})).status_code == 201
        assert await execute(app, "SELECT count(*) FROM notes", writes=False) == 1
        admin = bearer(await superuser_token(app, client))
        assert (await client.delete(f"/users/{me['id']}", headers=admin)).status_code == 204
        assert await execute(app, "SELECT count(*) FROM notes", writes=False) == 0


async def test_reset_password_with_the_mailed_token(
    anonymous: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailed: list[tuple[str, str]] = []

    async def deliver(user: Any, purpose: str, token: str) -> None:
        mailed.append((purpose, token))

    monkeypatch.setattr(delivery, "deliver_token", deliver)
    email = new_email()
    await register(anonymous, email)
    forgot = await anonymous.post("/auth/forgot-password", json={"email": email.upper()})
    assert forgot.status_code == 202
    ((purpose, token),) = mailed
    assert purpose == "reset-password"
    new_password = "a brand new passphrase"
    reset = await anonymous.post(
        "/auth/reset-password", json={"token": token, "password": new_password}
    )
    assert reset.status_code == 200, reset.text
    await log_in(anonymous, email, new_password)
    old = await anonymous.post("/auth/jwt/login", data={"username": email, "password": PASSWORD})
    assert (old.status_code, old.json()) == (400, BAD_CREDENTIALS)
    # The token served once, and is no access token.
    again = await anonymous.post(
        "/auth/reset-password", json={"token": token, "password": PASSWORD}
    )
    assert again.status_code == 400
    assert (await anonymous.get("/users/me", headers=bearer(token))).status_code == 401


async def test_verify_the_address_with_the_mailed_token(
    anonymous: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailed: list[tuple[str, str]] = []

    async def deliver(user: Any, purpose: str, token: str) -> None:
        mailed.append((purpose, token))

    monkeypatch.setattr(delivery, "deliver_token", deliver)
    email = new_email()
    await register(anonymous, email)
    asked = await anonymous.post("/auth/request-verify-token", json={"email": email})
    assert asked.status_code == 202
    ((purpose, token),) = mailed
    assert purpose == "verify"
    verified = await anonymous.post("/auth/verify", json={"token": token})
    assert verified.status_code == 200
    assert verified.json()["is_verified"] is True


async def test_secrets_stay_out_of_logs(
    anonymous: AsyncClient, caplog: pytest.LogCaptureFixture, app: FastAPI
) -> None:
    email = new_email()
    with caplog.at_level(logging.DEBUG):
        await register(anonymous, email)
        token = await log_in(anonymous, email)
        await anonymous.get("/users/me", headers=bearer(token))
        await anonymous.post("/auth/forgot-password", json={"email": email})
    assert "token issued" in caplog.text
    secret = app.state.settings.auth_secret.get_secret_value()
    for value in (PASSWORD, token, secret):
        assert value not in caplog.text
    assert secret not in repr(app.state.settings)
    assert secret not in str(app.state.settings)


# What uvicorn does at start: build the app from the environment's settings.
START = "from {{ cookiecutter.package_name }}.main import create_app; create_app()"


def start(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Start the service's app factory as uvicorn would, with only these settings."""
    return subprocess.run(
        [sys.executable, "-c", START],
        env={"PATH": "", **environment},
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent,
    )


def test_the_service_refuses_to_start_without_a_secret(database_url: str) -> None:
    """The process itself: one line on standard error, exit status 1, no value in it."""
    password = "database-password-" + uuid.uuid4().hex
    started = start({"DATABASE_URL": database_url.replace("://", f"://user:{password}@", 1)})
    assert started.returncode == 1
    (line,) = started.stderr.splitlines()
    assert line.startswith("invalid settings: AUTH_SECRET: "), line
    assert password not in started.stderr


@pytest.mark.parametrize(
    "secret",
    ["too short", "a" * 64, " " * 64, "ab" * 32],
    ids=["short", "one-character", "whitespace", "two-characters"],
)
def test_the_service_refuses_a_secret_that_is_short_or_guessable(
    secret: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings the app factory reads at start stop it, naming the setting only."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("AUTH_SECRET", secret)
    get_settings.cache_clear()
    with pytest.raises(SystemExit) as stopped:
        create_app()
    get_settings.cache_clear()
    message = str(stopped.value.code)
    assert message.startswith("invalid settings: AUTH_SECRET: "), message
    assert "\n" not in message
    assert secret not in message


def test_create_superuser_command(
    fresh_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_database_url)
    get_settings.cache_clear()
    monkeypatch.setenv(superuser.PASSWORD_VARIABLE, PASSWORD)
    email = new_email()
    assert superuser.main([email]) == 0
    assert f"created superuser {email}" in capsys.readouterr().out
    assert superuser.main([email]) == 1
    assert capsys.readouterr().err == f"error: {email} has an account already\n"
    monkeypatch.setenv(superuser.PASSWORD_VARIABLE, "short")
    assert superuser.main([new_email()]) == 1
    assert capsys.readouterr().err.startswith("error: password: ")
    monkeypatch.setenv(superuser.PASSWORD_VARIABLE, PASSWORD)
    assert superuser.main(["not an address"]) == 1
    assert capsys.readouterr().err.startswith("error: email: ")


class HeldHashing:
    """Password hashes and checks that wait in their threads until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.started, self.released = threading.Event(), threading.Event()
        self.threads: list[str] = []

    def hold(self) -> None:
        for name in ("hash", "verify_and_update"):
            self.monkeypatch.setattr(PasswordHelper, name, self.held(getattr(PasswordHelper, name)))

    def held(self, work: Callable[..., Any]) -> Callable[..., Any]:
        def run(helper: PasswordHelper, *args: str) -> Any:
            self.threads.append(threading.current_thread().name)
            self.started.set()
            self.released.wait(timeout=30)
            return work(helper, *args)

        return run

    async def wait_started(self) -> None:
        assert await asyncio.to_thread(self.started.wait, 10), "no password was hashed"


@pytest.fixture
def hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldHashing]:
    held = HeldHashing(monkeypatch)
    yield held
    held.released.set()


async def test_a_signed_in_write_does_not_wait_for_logins_being_hashed(
    fresh_database_url: str, hashing: HeldHashing
) -> None:
    app = create_app(Settings(database_url=fresh_database_url, auth_rate_limit_enabled=False))
    async with serve(app) as client:
        email = (await client.get("/users/me")).json()["email"]
        hashing.hold()
        form = {"username": email, "password": "a wrong password"}
        logins = [asyncio.create_task(client.post("/auth/jwt/login", data=form)) for _ in range(32)]
        await hashing.wait_started()
        # Every login is hashing, or waiting for a thread to hash in, and holds
        # no connection and no write lock: the write goes ahead of them all.
        note = await client.post("/notes", json={"text": "Written while logins hash"})
        logins_pending = sum(not login.done() for login in logins)
        hashing.released.set()
        answers = await asyncio.gather(*logins)
    assert note.status_code == 201, note.text
    assert logins_pending == len(logins)
    assert {answer.status_code for answer in answers} == {400}


@pytest.mark.parametrize("known", [True, False], ids=["known-address", "unknown-address"])
async def test_forgot_password_hashes_off_the_event_loop_for_any_address(
    anonymous: AsyncClient, hashing: HeldHashing, known: bool
) -> None:
    email = new_email()
    if known:
        await register(anonymous, email)
    hashing.hold()
    forgot = asyncio.create_task(anonymous.post("/auth/forgot-password", json={"email": email}))
    await hashing.wait_started()
    health = await anonymous.get("/health")
    forgot_waited = not forgot.done()
    hashing.released.set()
    assert (await forgot).status_code == 202
    assert health.status_code == 200
    assert forgot_waited


async def test_every_password_hash_and_check_runs_in_the_hashing_threads(
    fresh_database_url: str, hashing: HeldHashing, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailed: list[str] = []

    async def deliver(user: Any, purpose: str, token: str) -> None:
        mailed.append(token)

    monkeypatch.setattr(delivery, "deliver_token", deliver)
    hashing.released.set()
    hashing.hold()
    app = create_app(Settings(database_url=fresh_database_url, auth_rate_limit_enabled=False))
    async with serve(app) as client:
        email = (await client.get("/users/me")).json()["email"]
        changed = await client.patch("/users/me", json={"password": "a changed passphrase"})
        assert changed.status_code == 200
        await log_in(client, email, "a changed passphrase")
        await client.post("/auth/forgot-password", json={"email": email})
        reset = await client.post(
            "/auth/reset-password", json={"token": mailed[0], "password": PASSWORD}
        )
        assert reset.status_code == 200, reset.text
        await superuser_token(app, client)
    # register, change, login, forgot, reset (check and hash), create, login
    assert len(hashing.threads) >= 8
    assert all(name.startswith("password") for name in hashing.threads), hashing.threads


async def test_an_older_bcrypt_hash_refuses_long_passwords_and_is_rehashed(
    fresh_database_url: str,
) -> None:
    app = create_app(Settings(database_url=fresh_database_url))
    async with serve(app) as client:
        email = (await client.get("/users/me")).json()["email"]
        older = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
        await execute(app, f"UPDATE users SET hashed_password = '{older}' WHERE email = '{email}'")
        # bcrypt 5 raises on passwords over 72 bytes: here a failed login.
        for password in (PASSWORD + "x" * 72, "\u00e9" * 40):
            refused = await client.post(
                "/auth/jwt/login", data={"username": email, "password": password}
            )
            assert (refused.status_code, refused.json()) == (400, BAD_CREDENTIALS)
        await log_in(client, email)
        stored = await execute(
            app, f"SELECT hashed_password FROM users WHERE email = '{email}'", writes=False
        )
    assert stored.startswith("$argon2id$")


def test_the_service_hashes_with_fastapi_users_defaults() -> None:
    # The tests hash at the cheapest parameters (accounts.py); the service must not.
    service, default = SERVICE_PASSWORD_HELPER.password_hash, PasswordHelper().password_hash
    assert [type(hasher).__name__ for hasher in service.hashers] == [
        "Argon2Hasher",
        "OlderBcryptHasher",
    ]
    assert isinstance(service.hashers[1], type(default.hashers[1]))
    # `$argon2id$v=19$m=...,t=...,p=...$salt$hash`: the same up to the salt.
    assert service.hash(PASSWORD).rsplit("$", 2)[0] == default.hash(PASSWORD).rsplit("$", 2)[0]


async def attempt_login(client: AsyncClient, email: str) -> tuple[int, str | None]:
    response = await client.post("/auth/jwt/login", data={"username": email, "password": "no"})
    return response.status_code, response.headers.get("Retry-After")


async def test_attempts_past_a_limit_are_429_and_allowed_again_later(
    database_url: str,
) -> None:
    per_address = Settings(
        database_url=database_url,
        auth_rate_limit_per_address="2 per 3 seconds",
        auth_rate_limit_per_client="100/minute",
    )
    async with serve(create_app(per_address)) as client:
        email = new_email()
        # At once: each is counted as it arrives, before its password is checked.
        answers = sorted(await asyncio.gather(*(attempt_login(client, email) for _ in range(3))))
        assert answers[:2] == [(400, None), (400, None)]
        status, retry_after = answers[2]
        assert status == 429 and retry_after in ("1", "2", "3"), answers
        # Counted per address, however cased, and per route.
        assert (await attempt_login(client, email.upper()))[0] == 429
        assert await attempt_login(client, new_email()) == (400, None)
        forgot = await client.post("/auth/forgot-password", json={"email": email})
        assert forgot.status_code == 202
        await asyncio.sleep(int(retry_after))
        assert await attempt_login(client, email) == (400, None)
    # Serving signs a user in: one login of the client's three.
    per_client = Settings(
        database_url=database_url,
        auth_rate_limit_per_address="100/minute",
        auth_rate_limit_per_client="3/minute",
    )
    async with serve(create_app(per_client)) as client:
        answers = [await attempt_login(client, new_email()) for _ in range(3)]
    assert [status for status, _ in answers] == [400, 400, 429]
    assert 0 < int(answers[2][1] or 0) <= 60


async def test_without_limits_every_attempt_is_answered(database_url: str) -> None:
    app = create_app(
        Settings(
            database_url=database_url,
            auth_rate_limit_enabled=False,
            auth_rate_limit_per_address="1/minute",
            auth_rate_limit_per_client="1/minute",
        )
    )
    async with serve(app) as client:
        email = new_email()
        assert [await attempt_login(client, email) for _ in range(3)] == [(400, None)] * 3


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis server's URL, from TEST_REDIS_URL; a missing one fails under CI."""
    url = os.environ.get("TEST_REDIS_URL")
    if url is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI needs a Redis server: set TEST_REDIS_URL", pytrace=False)
        pytest.skip("skipped: TEST_REDIS_URL names no Redis server")
    return url


async def test_replicas_count_attempts_together_in_a_shared_store(
    database_url: str, redis_url: str
) -> None:
    settings = Settings(
        database_url=database_url,
        auth_rate_limit_storage_url=redis_url,
        auth_rate_limit_per_address="3/minute",
        auth_rate_limit_per_client="1000/minute",
    )
    email = new_email()
    async with serve(create_app(settings)) as one, serve(create_app(settings)) as two:
        answers = [await attempt_login(client, email) for client in (one, two, one, two)]
    assert [status for status, _ in answers] == [400, 400, 400, 429]
    assert 0 < int(answers[-1][1] or 0) <= 60


async def test_attempts_are_503_while_the_shared_store_is_unreachable(database_url: str) -> None:
    settings = Settings(
        database_url=database_url, auth_rate_limit_storage_url="redis://127.0.0.1:1"
    )
    async with serve(create_app(settings)) as client:
        response = await client.post(
            "/auth/jwt/login", data={"username": new_email(), "password": "no"}
        )
    assert response.status_code == 503
    assert response.json() == {"detail": "Attempts cannot be counted"}
    assert response.headers["Retry-After"] == "5"
