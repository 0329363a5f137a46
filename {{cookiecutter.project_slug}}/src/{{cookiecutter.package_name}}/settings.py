"""Settings read from the environment and from a `.env` file."""

from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from .db import DatabaseSettings


class Settings(DatabaseSettings):
    """Every setting of the service; the README's Settings table explains each.

    The database's own settings are declared beside the code that uses them,
    in db.py and dialect.py.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # Origins allowed to call the API from a browser; none unless listed.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
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
