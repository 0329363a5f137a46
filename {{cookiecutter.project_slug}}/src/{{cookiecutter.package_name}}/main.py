"""The application factory; `app` is what uvicorn serves."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI

from .api import router
from .db import open_database
from .errors import install_error_handlers
from .settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; settings are read at startup unless given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_database(settings or get_settings()) as db:
            app.state.db = db
            yield

    app = FastAPI(
        title={{ cookiecutter.project_name | py_str }},
        description={{ cookiecutter.description | py_str }},
        version=version({{ cookiecutter.project_slug | py_str }}),
        lifespan=lifespan,
    )
    app.include_router(router)
    install_error_handlers(app)
    return app


app = create_app()
