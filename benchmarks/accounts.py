"""The account an auth variant is loaded as: registered through its API before its notes
are seeded as that account's, and logged in each time the variant is served
(served_targets.signed_in), so that wrk sends the account's bearer token with every
request."""

from __future__ import annotations

import secrets
import uuid

from harness import accounts

EMAIL = "load@example.com"
# 8 to 128 characters, as the services ask.
PASSWORD = "a long password for the load"


def auth_settings() -> dict[str, str]:
    """What an auth variant needs in its environment: the key its tokens are signed with."""
    return {"AUTH_SECRET": secrets.token_hex(32)}


def register(base_url: str) -> uuid.UUID:
    """Register the account; its id."""
    return accounts.register(base_url, EMAIL, PASSWORD)


def log_in(base_url: str) -> str:
    """The account's access token."""
    return accounts.log_in(base_url, EMAIL, PASSWORD)
