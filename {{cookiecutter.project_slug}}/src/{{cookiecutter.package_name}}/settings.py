"""Settings read from the environment and from a `.env` file."""

from functools import lru_cache
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

{% if cookiecutter.auth == "fastapi-users" %}from .auth.settings import AuthSettings
{% endif %}from .db import DatabaseSettings
from .observability import ObservabilitySettings


class Settings(DatabaseSettings, ObservabilitySettings{% if cookiecutter.auth == "fastapi-users" %}, AuthSettings{% endif %}):
    """Every setting of the service; the README's Settings table explains each.

    Settings of a part of the service are declared beside the code that uses
    them and gathered here.
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
    """The settings of the environment; an invalid one stops the service.

    The message names each setting and what is wrong with it, in one line, but
    never a value: pydantic's own would print them, secrets included.
    """
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, problem['loc'])).upper()}: {problem['msg']}"
            for problem in error.errors(include_input=False, include_url=False)
        )
        raise SystemExit(f"invalid settings: {problems}") from None
