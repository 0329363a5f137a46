"""Create a superuser, such as the first one:

    {{ cookiecutter.project_slug }}-create-superuser admin@example.com

The password is read from the environment variable SUPERUSER_PASSWORD when it is
set, and otherwise asked for twice, without echo. Run it where the service's
settings are (the environment or `.env`), after `alembic upgrade head`.
"""

import argparse
import asyncio
import getpass
import os
import sys
import uuid

from fastapi_users.exceptions import InvalidPasswordException, UserAlreadyExists
from pydantic import ValidationError

from ..db import open_database
from ..errors import DatabaseUnavailable
from ..settings import Settings, get_settings
from .manager import UserManager
from .schemas import UserCreate
from .users import UserDatabase

PASSWORD_VARIABLE = "SUPERUSER_PASSWORD"


async def create_superuser(settings: Settings, email: str, password: str) -> uuid.UUID:
    new = UserCreate(email=email, password=password, is_superuser=True, is_verified=True)
    async with open_database(settings) as database:
        # The password is hashed between the store's units of work, as at registration.
        user = await UserManager(UserDatabase(database), settings).create(new)
    return user.id


def read_password() -> str:
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is not None:
        return password
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise SystemExit("error: the passwords differ")
    return password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create a superuser.")
    parser.add_argument("email", help="the superuser's email address")
    email = parser.parse_args(argv).email
    settings = get_settings()
    try:
        user_id = asyncio.run(create_superuser(settings, email, read_password()))
    except ValidationError as error:
        for problem in error.errors(include_input=False, include_url=False):
            print(f"error: {problem['loc'][0]}: {problem['msg']}", file=sys.stderr)
    except InvalidPasswordException as error:
        print(f"error: {error.reason}", file=sys.stderr)
    except UserAlreadyExists:
        print(f"error: {email} has an account already", file=sys.stderr)
    except DatabaseUnavailable:
        print("error: the database is unavailable", file=sys.stderr)
    else:
        print(f"created superuser {email} ({user_id})")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
