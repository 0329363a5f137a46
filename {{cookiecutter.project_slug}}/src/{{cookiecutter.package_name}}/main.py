"""The application factory, which uvicorn calls at startup (`--factory`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from .api import router
{% if cookiecutter.auth == "fastapi-users" %}from .auth import install_auth
{% endif %}from .db import open_database
from .errors import install_error_handlers
from .settings import Settings, get_settings
from .shutdown import watch_shutdown


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app from the given settings, or from the environment."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # On shutdown uvicorn lets requests in flight finish before this exits.
        async with open_database(settings) as database:
            app.state.database = database
            with watch_shutdown() as app.state.shutdown:
                yield

    docs = settings.docs_enabled
    app = FastAPI(
        title={{ cookiecutter.project_name | py_str }},
        description={{ cookiecutter.description | py_str }},
        version=version({{ cookiecutter.project_slug | py_str }}),
        lifespan=lifespan,
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    if settings.cors_origins:
        # The origins are the decision: a listed origin may call every route with
        # any header (a bearer token's included); the routes decide the methods.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["Location"],
        )
    app.include_router(router)
{%- if cookiecutter.auth == "fastapi-users" %}
    install_auth(app, settings)
{%- endif %}
    install_error_handlers(app)
    return app
