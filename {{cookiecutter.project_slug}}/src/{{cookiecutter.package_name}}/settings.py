"""Settings read from the environment and from a `.env` file."""

from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

{%- if cookiecutter.database == "sqlite" %}

ASYNC_SCHEME = "sqlite+aiosqlite"
SYNC_SCHEMES = ("sqlite",)
{%- else %}

ASYNC_SCHEME = "postgresql+asyncpg"
SYNC_SCHEMES = ("postgres", "postgresql")
{%- endif %}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

{%- if cookiecutter.database == "sqlite" %}

    # A file relative to the directory the service starts in.
    database_url: str = f"{ASYNC_SCHEME}:///./{{ cookiecutter.package_name }}.db"
{%- else %}

    # Required: there is no sensible default server. repr=False keeps the
    # password out of logs that print the settings.
    database_url: str = Field(repr=False)
{%- endif %}

    @field_validator("database_url")
    @classmethod
    def use_async_driver(cls, url: str) -> str:
        """Accept the plain URLs hosting platforms hand out and select the async driver."""
        scheme, separator, rest = url.partition("://")
        if separator and scheme in SYNC_SCHEMES:
            return f"{ASYNC_SCHEME}://{rest}"
        return url
{%- set pooled = cookiecutter.backend == "orm" or cookiecutter.database == "postgresql" %}

    # How the service uses the database; the README's Settings table explains each.
{%- if pooled %}
    database_pool_size: int = Field(default=10, ge=1)
    # Connections past the pool size are closed when returned; under steady load
    # that means a new connection per request, so none by default.
    database_pool_max_overflow: int = Field(default=0, ge=0)
{%- endif %}
    database_pool_timeout: float = Field(default=10.0, gt=0)
{%- if pooled %}
    database_pool_recycle: int = Field(default=1800, ge=1)
{%- endif %}
{%- if cookiecutter.backend == "orm" %}
    database_pool_pre_ping: bool = False
{%- endif %}

    # Origins allowed to call the API from a browser; none unless listed.
    cors_origins: Annotated[list[str], NoDecode] = []
    # Serve /docs, /redoc and /openapi.json.
    docs_enabled: bool = True

    @field_validator("cors_origins", mode="before")
    @classmethod
    def split_origins(cls, origins: object) -> object:
        """Read `CORS_ORIGINS=https://a.example,https://b.example` as a list."""
        if isinstance(origins, str):
            return [origin.strip() for origin in origins.split(",") if origin.strip()]
        return origins


@lru_cache
def get_settings() -> Settings:
    return Settings()
