"""The application factory, which uvicorn calls at startup (`--factory`)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from importlib.metadata import version

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from opentelemetry.sdk.trace import TracerProvider

from . import metrics, tracing
from .api import router
{% if cookiecutter.auth == "fastapi-users" %}from .auth.routes import install_auth
{% endif %}from .db import open_database, statements_traced
from .errors import install_error_handlers
from .observability import REQUEST_ID_HEADER, install_observability
from .settings import Settings, get_settings
from .shutdown import watch_shutdown


def create_app(
    settings: Settings | None = None, *, tracer_provider: TracerProvider | None = None
) -> FastAPI:
    """Build the app from the given settings, or from the environment.

    Traces go to `tracer_provider`, or where the OTEL_* variables say (tracing.py).
    """
    settings = settings or get_settings()
    tracer_provider = tracer_provider or tracing.provider_from_environment()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # On shutdown uvicorn lets requests in flight finish before this exits.
        try:
            async with open_database(settings) as database:
                app.state.database = database
                traced = tracer_provider and statements_traced(database, tracer_provider)
                with traced or nullcontext(), watch_shutdown() as app.state.shutdown:
                    yield
        finally:
            metrics.forget_this_process()
            if tracer_provider is not None:
                tracer_provider.shutdown()  # exports the spans still waiting

    # With docs, /docs and /redoc load Swagger UI and ReDoc from the service
    # itself (fastapi-offline ships them), not from a CDN, so they work offline.
    docs = settings.docs_enabled
    app = (FastAPIOffline if docs else FastAPI)(
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
            expose_headers=["Location", REQUEST_ID_HEADER],
        )
    install_observability(app, settings)
    if tracer_provider is not None:
        tracing.trace_requests(app, tracer_provider)
    app.include_router(router)
{%- if cookiecutter.auth == "fastapi-users" %}
    install_auth(app, settings)
{%- endif %}
    install_error_handlers(app)
    return app
