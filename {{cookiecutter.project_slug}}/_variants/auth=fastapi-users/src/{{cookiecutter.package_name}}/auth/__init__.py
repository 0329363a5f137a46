"""Accounts and access tokens, through FastAPI Users.

Everything the service does about authentication is in this package: here, in
users.py, which stores users for FastAPI Users, in attempts.py, which limits
attempts to log in, and in superuser.py, the command that creates the first
superuser. To move to another library, replace the package, keeping
`CurrentUser` (how routes ask for the signed-in user), `router`, `AuthSettings`
and `UNAUTHORIZED`.
FastAPI Users is in maintenance mode upstream: it gets security and dependency
fixes, no new features.

Routes: `POST /auth/register`, `POST /auth/jwt/login` (form fields `username`,
`password`; returns a bearer token), `POST /auth/jwt/logout`,
`POST /auth/forgot-password` and `/auth/reset-password`,
`POST /auth/request-verify-token` and `/auth/verify`, `GET`/`PATCH /users/me`,
and `/users/{id}` for superusers.

Hashing a password takes a few hundred milliseconds on purpose. It runs in
threads (`hashed`), and never inside a unit of work: FastAPI Users' routes use
a user store whose every call is a unit of work of its own (users.py), so that
a burst of logins holds no pooled connection and no write lock while it hashes.
"""

import asyncio
import hashlib
import hmac
import logging
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, Any, Literal, ParamSpec, TypeVar

import jwt
from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users import BaseUserManager, FastAPIUsers, InvalidPasswordException, UUIDIDMixin
from fastapi_users import schemas as user_schemas
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
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
from pydantic import ConfigDict, EmailStr, Field, SecretStr, field_validator

from ..models import User
from ..schemas import Message, omitted_not_null
from .attempts import TOO_MANY_ATTEMPTS, Attempts, AttemptSettings, limit_attempts
from .users import RequestUserDatabaseDep, UserDatabase, UserDatabaseDep

logger = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32
# Fewer different characters than this, and a long secret is still a guessable one.
MIN_SECRET_CHARACTERS = 8
MIN_PASSWORD_LENGTH = 8
# Hashing is slow on purpose; an unbounded password would make it slower still.
MAX_PASSWORD_LENGTH = 128

# The body of an error answer: `{"detail": ...}`.
MESSAGE_SCHEMA = {"$ref": "#/components/schemas/Message"}
# Documented on every route that needs a signed-in user.
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    status.HTTP_401_UNAUTHORIZED: {
        "model": Message,
        "description": "No valid access token of an active user",
    }
}


class AuthSettings(AttemptSettings):
    """How access tokens are signed and how long they last, and attempts limited."""

    # Signs every token; anyone who has it can sign in as anyone. The reset and
    # verification tokens are signed with keys derived from it (see UserManager).
    auth_secret: SecretStr
    # Seconds an access token stays valid. A JWT cannot be revoked, so that is
    # also how long a stolen one works, and how long logging out takes to bite.
    auth_token_lifetime: int = Field(default=3600, ge=60)

    @field_validator("auth_secret")
    @classmethod
    def long_enough(cls, secret: SecretStr) -> SecretStr:
        value = secret.get_secret_value()
        if len(value) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"must be at least {MIN_SECRET_LENGTH} characters, such as the output of "
                "`openssl rand -hex 32`"
            )
        if len(set(value) - set(" \t\r\n")) < MIN_SECRET_CHARACTERS:
            raise ValueError(
                f"is guessable: fewer than {MIN_SECRET_CHARACTERS} different characters "
                "besides spaces; use the output of `openssl rand -hex 32`"
            )
        return secret


def derived_key(secret: SecretStr, purpose: str) -> str:
    """A key of its own for each kind of token, so that none is accepted as another."""
    return hmac.new(
        secret.get_secret_value().encode(), purpose.encode(), hashlib.sha256
    ).hexdigest()


# Documented in the OpenAPI schema, so that clients know the rule before they send.
Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]


class UserRead(user_schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(user_schemas.BaseUserCreate):
    model_config = ConfigDict(strict=True)

    password: Password


class UserUpdate(user_schemas.BaseUserUpdate):
    """A partial update: omitted fields keep their value; null is refused."""

    model_config = ConfigDict(
        strict=True,
        json_schema_extra=omitted_not_null(
            "password", "email", "is_active", "is_superuser", "is_verified"
        ),
    )

    # None stands for an omitted field only, so that a rejected value is
    # reported once, as what it should have been.
    password: Password | None = None
    email: EmailStr | None = None
    is_active: bool | None = None
    is_superuser: bool | None = None
    is_verified: bool | None = None

    @field_validator("*", mode="before")
    @classmethod
    def reject_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may be omitted but must not be null")
        return value


TokenPurpose = Literal["reset-password", "verify"]

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


async def deliver_token(user: User, purpose: TokenPurpose, token: str) -> None:
    """Send `token` to the user's address, to reset their password or verify the address.

    Replace this with your mail delivery. Until then it only records that a
    token was issued: the token itself is as good as the password, so it is
    never logged.
    """
    logger.info("%s token issued for user %s", purpose, user.id)


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
        await deliver_token(user, "reset-password", token)

    async def on_after_request_verify(
        self, user: User, token: str, request: Request | None = None
    ) -> None:
        await deliver_token(user, "verify", token)


def app_settings(request: Request) -> AuthSettings:
    settings: AuthSettings = request.app.state.settings
    return settings


async def get_user_manager(user_db: UserDatabaseDep, request: Request) -> UserManager:
    return UserManager(user_db, app_settings(request))


async def get_request_user_manager(
    user_db: RequestUserDatabaseDep, request: Request
) -> UserManager:
    return UserManager(user_db, app_settings(request))


def jwt_strategy(settings: AuthSettings) -> JWTStrategy[User, uuid.UUID]:
    return JWTStrategy(
        secret=settings.auth_secret.get_secret_value(),
        lifetime_seconds=settings.auth_token_lifetime,
    )


async def get_jwt_strategy(request: Request) -> JWTStrategy[User, uuid.UUID]:
    return jwt_strategy(app_settings(request))


bearer = AuthenticationBackend(
    name="jwt",
    transport=BearerTransport(tokenUrl="auth/jwt/login"),
    get_strategy=get_jwt_strategy,
)
# FastAPI Users' routes, whose user store makes each call a unit of work.
users = FastAPIUsers[User, uuid.UUID](get_user_manager, [bearer])
# The service's routes look the signed-in user up in their own unit of work:
# one connection for the user and the work.
request_users = FastAPIUsers[User, uuid.UUID](get_request_user_manager, [bearer])
# The signed-in user, who must be active; 401 without a valid token.
CurrentUser = Annotated[User, Depends(request_users.current_user(active=True))]
LimitedAttempts = Depends(limit_attempts)

router = APIRouter()
router.include_router(
    users.get_auth_router(bearer),
    prefix="/auth/jwt",
    tags=["auth"],
    dependencies=[LimitedAttempts],
    responses=TOO_MANY_ATTEMPTS,
)
router.include_router(
    users.get_register_router(UserRead, UserCreate),
    prefix="/auth",
    tags=["auth"],
    dependencies=[LimitedAttempts],
    responses=TOO_MANY_ATTEMPTS,
)


@router.post(
    "/auth/forgot-password",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["auth"],
    name="reset:forgot_password",
    dependencies=[LimitedAttempts],
    responses=TOO_MANY_ATTEMPTS,
)
async def forgot_password(
    request: Request,
    email: Annotated[EmailStr, Body(embed=True)],
    manager: Annotated[UserManager, Depends(get_user_manager)],
) -> None:
    """Mail a token to reset the password, if the address has an active account.

    The answer is the same either way, and takes as long.
    """
    try:
        user = await manager.get_by_email(email)
    except UserNotExists:
        user = None
    await manager.forgot_password(user, request)


reset_router = users.get_reset_password_router()
# Its forgot-password route is the one above, which hashes for any address.
reset_router.routes = [
    route
    for route in reset_router.routes
    if not (isinstance(route, APIRoute) and route.name == "reset:forgot_password")
]
router.include_router(reset_router, prefix="/auth", tags=["auth"])
router.include_router(users.get_verify_router(UserRead), prefix="/auth", tags=["auth"])
router.include_router(users.get_users_router(UserRead, UserUpdate), prefix="/users", tags=["users"])


def install_auth(app: FastAPI, settings: AuthSettings) -> None:
    """Serve the routes above, with the app's settings, and document their errors."""
    app.state.settings = settings
    app.state.attempts = attempts = Attempts(settings)
    app.include_router(router)
    serve = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        try:
            async with serve(app) as state:
                yield state
        finally:
            attempts.close()

    # Around the app's own lifespan, so that the count's connections close last.
    app.router.lifespan_context = lifespan
    openapi = app.openapi

    def openapi_with_error_bodies() -> dict[str, Any]:
        if app.openapi_schema is None:
            # Built once, kept by FastAPI, and completed here.
            for path, operations in openapi()["paths"].items():
                for operation in operations.values():
                    document_answers(path, operation)
        return openapi()

    # FastAPI's way to change the schema it serves.
    app.openapi = openapi_with_error_bodies  # type: ignore[method-assign]

    @app.exception_handler(status.HTTP_401_UNAUTHORIZED)
    async def unauthorized(request: Request, error: HTTPException) -> JSONResponse:
        # A 401 names the scheme that would be accepted (RFC 9110).
        return JSONResponse(
            {"detail": error.detail},
            status_code=status.HTTP_401_UNAUTHORIZED,
            headers={"WWW-Authenticate": "Bearer"},
        )


def document_answers(path: str, operation: dict[str, Any]) -> None:
    """Document what FastAPI Users' routes answer but leave out of their schema."""
    responses = operation["responses"]
    if path.endswith("/logout"):
        # A bearer token is forgotten by its client; the route answers 204.
        responses.pop(str(status.HTTP_200_OK), None)
        responses[str(status.HTTP_204_NO_CONTENT)] = {"description": "Logged out"}
        # Its router's limit on attempts is for logging in only.
        responses.pop(str(status.HTTP_429_TOO_MANY_REQUESTS), None)
    if "requestBody" in operation:
        # Bytes that are not UTF-8, for one, are refused before validation.
        responses.setdefault(str(status.HTTP_400_BAD_REQUEST), {"description": "Bad Request"})
    for code, response in responses.items():
        # Some error answers lack their body, `{"detail": ...}` like every other.
        if int(code) >= 400 and "content" not in response:
            content = response.setdefault("content", {})
            content.setdefault("application/json", {})["schema"] = MESSAGE_SCHEMA
