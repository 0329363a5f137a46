"""The settings of accounts: the key that signs tokens, and how long they last."""

from pydantic import Field, SecretStr, field_validator

from .attempts import AttemptSettings

MIN_SECRET_LENGTH = 32
# Fewer different characters than this, and a long secret is still a guessable one.
MIN_SECRET_CHARACTERS = 8


class AuthSettings(AttemptSettings):
    """How access tokens are signed and how long they last, and attempts limited."""

    # Signs every token; anyone who has it can sign in as anyone. The reset and
    # verification tokens are signed with keys derived from it (see manager.py).
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
