"""The account an auth variant is loaded as: registered through its API before its notes
are seeded as that account's, and logged in each time the variant is served, so that
wrk sends the account's bearer token with every request."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING

from harness.serving import request

if TYPE_CHECKING:
    # Only a type here: serving imports psutil, which the tests of the report lack.
    from .serving import Server

EMAIL = "load@example.com"
# 8 to 128 characters, as the services ask.
PASSWORD = "a long password for the load"


def auth_settings() -> dict[str, str]:
    """What an auth variant needs in its environment: the key its tokens are signed with."""
    return {"AUTH_SECRET": secrets.token_hex(32)}


def register(base_url: str) -> uuid.UUID:
    """Register the account (POST /auth/register); its id."""
    status, body, _ = request(
        "POST", f"{base_url}/auth/register", {"email": EMAIL, "password": PASSWORD}
    )
    if status != 201:
        raise RuntimeError(f"registering at {base_url} answered {status}: {body}")
    return uuid.UUID(json.loads(body)["id"])


def log_in(base_url: str) -> str:
    """The account's access token, from the login form (POST /auth/jwt/login)."""
    status, body, _ = request(
        "POST", f"{base_url}/auth/jwt/login", form={"username": EMAIL, "password": PASSWORD}
    )
    if status != 200:
        raise RuntimeError(f"logging in at {base_url} answered {status}: {body}")
    token: str = json.loads(body)["access_token"]
    return token


def signed_in(servers: list[Server]) -> list[Server]:
    """The servers, each auth variant's with a token of its own; the others as they are."""
    return [
        replace(server, token=log_in(server.url)) if server.target.signs_in else server
        for server in servers
    ]
