"""Limits on attempts to log in, register and ask for a password reset.

Each attempt counts against the client's address and against the account's
address it names; past either limit the answer is 429 with `Retry-After`.
Counted by the `limits` library in this process's memory, or in a store that
all replicas share (AUTH_RATE_LIMIT_STORAGE_URL, such as Redis), since each
replica counting alone would let a client try as many times more.

The client's address is the connection's, or behind a proxy the one the proxy
forwards, which uvicorn takes only from the proxies its `--forwarded-allow-ips`
trusts: trust every address and any client can name itself anew each time.
"""

import math
import time
from collections.abc import Mapping
from typing import Any

import coredis
from fastapi import HTTPException, Request, status
from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import ConfigurationError, StorageError
from limits.storage import storage_from_string
from pydantic import field_validator
from pydantic_settings import BaseSettings

# The routes limited, by name, and the field of each request that names the account.
ACCOUNT_FIELDS = {
    "auth:jwt.login": "username",
    "register:register": "email",
    "reset:forgot_password": "email",
}
# Answered when the store of a shared count does not answer.
UNCOUNTED_RETRY_AFTER = 5
# Documented on the limited routes.
TOO_MANY_ATTEMPTS: dict[int | str, dict[str, Any]] = {
    status.HTTP_429_TOO_MANY_REQUESTS: {
        "description": "Too many attempts; `Retry-After` says when to try again"
    }
}


class AttemptSettings(BaseSettings):
    """How many attempts a client, and an account's address, may make."""

    # Off where a gateway in front limits already, and for load tests.
    auth_rate_limit_enabled: bool = True
    # `limits`' notation: a number per second, minute, hour or day; several
    # limits join with ";". Each route counts on its own.
    auth_rate_limit_per_client: str = "30/minute"
    auth_rate_limit_per_address: str = "5/minute;30/hour"
    # Where attempts are counted: `memory://`, this process alone, or a store
    # that the replicas share, such as `redis://redis:6379/0`.
    auth_rate_limit_storage_url: str = "memory://"

    @field_validator("auth_rate_limit_per_client", "auth_rate_limit_per_address")
    @classmethod
    def parsed(cls, limits: str) -> str:
        parse_many(limits)  # a ValueError says what is wrong
        return limits

    @field_validator("auth_rate_limit_storage_url")
    @classmethod
    def known_storage(cls, url: str) -> str:
        try:
            storage_from_string(async_url(url))
        except ConfigurationError as error:
            raise ValueError(f"not a storage the limits library knows: {error}") from None
        return url


def async_url(url: str) -> str:
    """`limits` names the asyncio flavour of each storage with an `async+` prefix."""
    return url if url.startswith("async+") else f"async+{url}"


class Attempts:
    """The count of attempts at the limited routes, and the check before each."""

    def __init__(self, settings: AttemptSettings) -> None:
        self.enabled = settings.auth_rate_limit_enabled
        self.per_client = parse_many(settings.auth_rate_limit_per_client)
        self.per_address = parse_many(settings.auth_rate_limit_per_address)
        url = settings.auth_rate_limit_storage_url
        options: dict[str, Any] = {}
        self.pool: coredis.ConnectionPool | None = None
        if url.startswith(("redis://", "rediss://")):
            # Redis connections of the service's own pool, closed when it stops.
            self.pool = options["connection_pool"] = coredis.ConnectionPool.from_url(url)
        storage = storage_from_string(async_url(url), wrap_exceptions=True, **options)
        # Counts every attempt of the last period, where a fixed window would let
        # twice the limit through around the turn of each.
        self.limiter = MovingWindowRateLimiter(storage)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.disconnect()

    async def check(self, request: Request) -> None:
        """Count the request's attempt; 429 once the client or the account is past a limit."""
        route = request.scope["route"].name
        field = ACCOUNT_FIELDS.get(route)
        if not self.enabled or field is None:
            return
        client = request.client.host if request.client else "unknown"
        counted = [(item, route, "client", client) for item in self.per_client]
        address = await account_address(request, field)
        if address:
            counted += [(item, route, "address", address) for item in self.per_address]
        try:
            for item, *identifiers in counted:
                if not await self.limiter.hit(item, *identifiers):
                    raise too_many(await self.retry_after(item, identifiers))
        except StorageError as error:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                detail="Attempts cannot be counted",
                headers={"Retry-After": str(UNCOUNTED_RETRY_AFTER)},
            ) from error

    async def retry_after(self, item: RateLimitItem, identifiers: list[str]) -> int:
        stats = await self.limiter.get_window_stats(item, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))


def too_many(retry_after: int) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        detail="Too many attempts; try again later",
        headers={"Retry-After": str(retry_after)},
    )


async def account_address(request: Request, field: str) -> str | None:
    """The address the request names, lower-cased like the accounts' own, or None."""
    body: Any
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()  # read and parsed once: FastAPI kept it
        except ValueError:
            return None
    else:
        body = await request.form()
    value = body.get(field) if isinstance(body, Mapping) else None
    return value.lower() if isinstance(value, str) else None


async def limit_attempts(request: Request) -> None:
    """A dependency of the limited routes' routers."""
    attempts: Attempts = request.app.state.attempts
    await attempts.check(request)
