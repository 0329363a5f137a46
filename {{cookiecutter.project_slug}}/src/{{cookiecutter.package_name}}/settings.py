"""Settings read from the environment and from a `.env` file."""

from functools import lru_cache

{% if cookiecutter.database == "postgresql" -%}
from pydantic import Field, field_validator
{%- else -%}
from pydantic import field_validator
{%- endif %}
from pydantic_settings import BaseSettings, SettingsConfigDict

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
