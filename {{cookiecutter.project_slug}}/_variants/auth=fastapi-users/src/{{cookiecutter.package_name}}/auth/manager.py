"""FastAPI Users' rules for accounts (`UserManager`), and how passwords are hashed.

Every hash and check runs in threads (`hashed`), never on the event loop, and
never inside a unit of work: FastAPI Users' routes use a user store whose every
call is a unit of work of its own (users.py), so that a burst of logins holds no
pooled connection and no write lock while it hashes.
"""

import asyncio
import hashlib
import hmac
import os
import secrets
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, ParamSpec, TypeVar

import jwt
from fastapi import Request
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users import BaseUserManager, InvalidPasswordException, UUIDIDMixin
from fastapi_users import schemas as user_schemas
from fastapi_users.exceptions import (
    InvalidID,
    InvalidResetPasswordToken,
    UserAlreadyExists,
    UserInactive,
    UserNotExists,
)
from fastapi_users.jwt import decode_jwt, generate_jwt
from fastapi_users.password import PasswordHelper
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher
from pydantic import SecretStr

from ..models import User
from . import delivery
from .schemas import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from .settings import AuthSettings
from .users import UserDatabase

# bcrypt reads at most this much of a password.
BCRYPT_MAX_BYTES = 72


class OlderBcryptHasher(BcryptHasher):
    """Checks passwords against bcrypt hashes made by older services.

    bcrypt 5 raises an error on a password longer than bcrypt reads, where older
    releases cut it short: such a password is a wrong one here, a failed login.
    """

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        encoded = password.encode() if isinstance(password, str) else password
        return len(encoded) <= BCRYPT_MAX_BYTES and super().verify(encoded, hash)


# How passwords are hashed: FastAPI Users' defaults, argon2 with its parameters,
# and bcrypt for hashes made by older services, rehashed with argon2 at login.
# One for the process, where each request's user manager would build its own.
password_helper = PasswordHelper(PasswordHash((Argon2Hasher(), OlderBcryptHasher())))

# Hashing a password takes a few hundred milliseconds of CPU and 64 MiB, on purpose.
# On the event loop it would stall every other request of the worker for as long,
# so every hash and check runs in these threads (argon2 releases the GIL); one per
# core bounds the memory a burst of them takes.
_hashing_threads = ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="password")
P = ParamSpec("P")
T = TypeVar("T")


async def hashed(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """The result of a password helper's `work`, computed off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_hashing_threads, partial(work, *args, **kwargs))


def derived_key(secret: SecretStr, purpose: str) -> str:
    """A key of its own for each kind of token, so that none is accepted as another."""
    return hmac.new(
        secret.get_secret_value().encode(), purpose.encode(), hashlib.sha256
    ).hexdigest()


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    """FastAPI Users' rules for accounts: passwords, and the tokens it mails."""

    def __init__(self, user_db: UserDatabase, settings: AuthSettings) -> None:
        super().__init__(user_db, password_helper)
        self.reset_password_token_secret = derived_key(settings.auth_secret, "reset-password")
        self.verification_token_secret = derived_key(settings.auth_secret, "verify")

    async def validate_password(
        self, password: str, user: user_schemas.BaseUserCreate | User
    ) -> None:
        if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
            raise InvalidPasswordException(
                reason=f"Password should be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} "
                "characters long"
            )
        if password.casefold() == user.email.casefold():
            raise InvalidPasswordException(reason="Password should not be the email address")

    async def create(
        self,
        user_create: user_schemas.BaseUserCreate,
        safe: bool = False,
        request: Request | None = None,
    ) -> User:
        """FastAPI Users' registration, with the password hashed off the event loop."""
        await self.validate_password(user_create.password, user_create)
        if await self.user_db.get_by_email(user_create.email) is not None:
            raise UserAlreadyExists
        # FastAPI Users leaves these two untyped; both return the fields to store.
        fields: dict[str, Any] = (
            user_create.create_update_dict()  # type: ignore[no-untyped-call]
            if safe
            else user_create.create_update_dict_superuser()  # type: ignore[no-untyped-call]
        )
        fields["hashed_password"] = await hashed(self.password_helper.hash, fields.pop("password"))
        user = await self.user_db.create(fields)
        await self.on_after_register(user, request)
        return user

    async def authenticate(self, credentials: OAuth2PasswordRequestForm) -> User | None:
        """FastAPI Users' login check, with the password checked off the event loop."""
        try:
            user = await self.get_by_email(credentials.username)
        except UserNotExists:
            # Hash anyway, so that an unknown address takes as long as a wrong password.
            await hashed(self.password_helper.hash, credentials.password)
            return None
        verified, new_hash = await hashed(
            self.password_helper.verify_and_update, credentials.password, user.hashed_password
        )
        if not verified:
            return None
        if new_hash is not None:  # hashed with parameters since made stronger
            await self.user_db.update(user, {"hashed_password": new_hash})
        return user

    async def _update(self, user: User, update_dict: dict[str, Any]) -> User:
        """FastAPI Users' change of a user, with a new password hashed off the event loop.

        A password change through `PATCH /users/me` and a reset both come here.
        """
        changes = dict(update_dict)
        password = changes.pop("password", None)
        if password is not None:
            await self.validate_password(password, user)
            changes["hashed_password"] = await hashed(self.password_helper.hash, password)
        return await super()._update(user, changes)

    async def forgot_password(self, user: User | None, request: Request | None = None) -> None:
        """Mail a reset token to an active user; the same work whoever asks.

        The token carries a hash of the password's hash, so that it is void once
        the password changes. An unknown address or an inactive account get no
        token, but a hash all the same, so that the answer takes as long and
        tells nobody which addresses have accounts.
        """
        if user is None or not user.is_active:
            await hashed(self.password_helper.hash, secrets.token_urlsafe())
            return
        fingerprint = await hashed(self.password_helper.hash, user.hashed_password)
        claims = {
            "sub": str(user.id),
            "password_fgpt": fingerprint,
            "aud": self.reset_password_token_audience,
        }
        token = generate_jwt(
            claims, self.reset_password_token_secret, self.reset_password_token_lifetime_seconds
        )
        await self.on_after_forgot_password(user, token, request)

    async def reset_password(
        self, token: str, password: str, request: Request | None = None
    ) -> User:
        """FastAPI Users' reset, with the token's fingerprint checked off the event loop."""
        try:
            claims = decode_jwt(
                token, self.reset_password_token_secret, [self.reset_password_token_audience]
            )
            user = await self.get(self.parse_id(claims["sub"]))
            fingerprint = claims["password_fgpt"]
        except (jwt.PyJWTError, KeyError, InvalidID) as error:
            raise InvalidResetPasswordToken from error
        valid, _ = await hashed(
            self.password_helper.verify_and_update, user.hashed_password, fingerprint
        )
        if not valid:
            raise InvalidResetPasswordToken
        if not user.is_active:
            raise UserInactive
        updated = await self._update(user, {"password": password})
        await self.on_after_reset_password(user, request)
        return updated

    async def on_after_forgot_password(
        self, user: User, token: str, request: Request | None = None
    ) -> None:
        await delivery.deliver_token(user, "reset-password", token)

    async def on_after_request_verify(
        self, user: User, token: str, request: Request | None = None
    ) -> None:
        await delivery.deliver_token(user, "verify", token)
