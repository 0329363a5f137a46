"""The routes of accounts, the signed-in user routes ask for, and their documentation.

Routes: `POST /auth/register`, `POST /auth/jwt/login` (form fields `username`,
`password`; returns a bearer token), `POST /auth/jwt/logout`,
`POST /auth/forgot-password` and `/auth/reset-password`,
`POST /auth/request-verify-token` and `/auth/verify`, `GET`/`PATCH /users/me`,
and `/users/{id}` for superusers.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi_users import FastAPIUsers
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users.exceptions import UserNotExists
from pydantic import EmailStr

from ..models import User
from ..schemas import Message
from .attempts import TOO_MANY_ATTEMPTS, Attempts, limit_attempts
from .manager import UserManager
from .schemas import UserCreate, UserRead, UserUpdate
from .settings import AuthSettings
from .users import RequestUserDatabaseDep, UserDatabaseDep

# The body of an error answer: `{"detail": ...}`.
MESSAGE_SCHEMA = {"$ref": "#/components/schemas/Message"}
# Documented on every route that needs a signed-in user.
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    status.HTTP_401_UNAUTHORIZED: {
        "model": Message,
        "description": "No valid access token of an active user",
    }
}


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
# The service's routes look the signed-in user up with the store users.py gives
# a request (`RequestUserDatabaseDep`), which may share the request's own work.
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
