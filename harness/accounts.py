"""Signing in to a service with accounts, through its API, as a client would."""

from __future__ import annotations

import json
import uuid

from .serving import request


def register(base_url: str, email: str, password: str) -> uuid.UUID:
    """Register an account (POST /auth/register); its id."""
    body: dict[str, object] = {"email": email, "password": password}
    status, text, _ = request("POST", f"{base_url}/auth/register", body)
    if status != 201:
        raise RuntimeError(f"registering at {base_url} answered {status}: {text}")
    return uuid.UUID(json.loads(text)["id"])


def log_in(base_url: str, email: str, password: str) -> str:
    """The account's access token, from the login form (POST /auth/jwt/login)."""
    form = {"username": email, "password": password}
    status, text, _ = request("POST", f"{base_url}/auth/jwt/login", form=form)
    if status != 200:
        raise RuntimeError(f"logging in at {base_url} answered {status}: {text}")
    token: str = json.loads(text)["access_token"]
    return token
