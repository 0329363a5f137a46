"""Accounts for the tests: users registered through the API, and their tokens."""

import os
import secrets
import uuid
from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI
from fastapi_users.password import PasswordHelper
from httpx import AsyncClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from {{ cookiecutter.package_name }}.auth import manager
from {{ cookiecutter.package_name }}.auth.manager import OlderBcryptHasher
from {{ cookiecutter.package_name }}.auth.routes import jwt_strategy

PASSWORD = "correct horse battery staple"

# The tests sign tokens with a key of their own, unless the environment has one.
os.environ.setdefault("AUTH_SECRET", secrets.token_hex(32))

# Hashing is slow on purpose, and tests need not pay for it: they hash with the
# service's algorithms at their cheapest parameters. test_auth checks that the
# service's own helper keeps FastAPI Users' defaults.
SERVICE_PASSWORD_HELPER = manager.password_helper
manager.password_helper = PasswordHelper(
    PasswordHash(
        (Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1), OlderBcryptHasher(rounds=4))
    )
)


def new_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


async def register(client: AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


async def log_in(client: AsyncClient, email: str, password: str = PASSWORD) -> str:
    """The access token of a user, as the login form gives it."""
    response = await client.post("/auth/jwt/login", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in_as_new_user(app: FastAPI, client: AsyncClient) -> None:
    """Register a user and send their token with every request of `client`.

    While the database is down nobody can register; the client then carries a
    token the app signed for a user it has yet to look up, so that its requests
    get as far as the database.
    """
    email = new_email()
    response = await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    if response.status_code == 503:
        token = await signed_token(app, uuid.uuid4())
    else:
        assert response.status_code == 201, response.text
        token = await log_in(client, email)
    client.headers.update(bearer(token))


async def signed_token(app: FastAPI, user_id: uuid.UUID) -> str:
    """A token that the app signs for `user_id`, as it would at login."""
    strategy = jwt_strategy(app.state.settings)
    # The strategy reads nothing of the user but its id.
    return await strategy.write_token(SimpleNamespace(id=user_id))  # type: ignore[arg-type]
