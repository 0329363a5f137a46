"""Where FastAPI Users keeps users: rows of the Core `users` table, each call in a unit of work."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from databases.core import Connection
from fastapi import Depends
from fastapi_users.db import BaseUserDatabase
from fastapi_users.exceptions import UserAlreadyExists
from sqlalchemy import ColumnElement, Insert, Update, delete, insert, select, update

from .. import dialect
from ..db import ConnectionDep, Database, DatabaseDep
from ..models import User, users


def normalized(email: str) -> str:
    """One address, however its letters are cased, is one account."""
    return email.lower()


class UserDatabase(BaseUserDatabase[User, uuid.UUID]):
    """FastAPI Users' user store.

    Given the request's connection, it works on it: the service's own routes
    look the signed-in user up in their unit of work. Without one, each call is
    a unit of work of its own: FastAPI Users' routes hash passwords between
    their calls, and must hold no connection (on SQLite, no write turn) while
    they do.
    """

    def __init__(self, database: Database, connection: Connection | None = None) -> None:
        self.database = database
        self.connection = connection

    @asynccontextmanager
    async def unit_of_work(self, *, writes: bool) -> AsyncIterator[Connection]:
        if self.connection is not None:
            yield self.connection
        else:
            async with self.database.unit_of_work(writes=writes) as connection:
                yield connection

    async def get(self, id: uuid.UUID) -> User | None:
        async with self.unit_of_work(writes=False) as connection:
            return await first(connection, users.c.id == id)

    async def get_by_email(self, email: str) -> User | None:
        async with self.unit_of_work(writes=False) as connection:
            return await first(connection, users.c.email == normalized(email))

    async def create(self, create_dict: dict[str, Any]) -> User:
        user_id = uuid.uuid4()
        values = {**create_dict, "id": user_id, "email": normalized(create_dict["email"])}
        async with self.unit_of_work(writes=True) as connection:
            await write(connection, insert(users).values(**values))
            created = await first(connection, users.c.id == user_id)
        assert created is not None  # just written on this connection
        return created

    async def update(self, user: User, update_dict: dict[str, Any]) -> User:
        values = {
            field: normalized(value) if field == "email" else value
            for field, value in update_dict.items()
        }
        if values:
            async with self.unit_of_work(writes=True) as connection:
                await write(connection, update(users).where(users.c.id == user.id).values(**values))
        return user.model_copy(update=values)

    async def delete(self, user: User) -> None:
        async with self.unit_of_work(writes=True) as connection:
            # The database deletes the user's notes with it (ON DELETE CASCADE).
            await connection.execute(delete(users).where(users.c.id == user.id))


async def first(connection: Connection, condition: ColumnElement[bool]) -> User | None:
    row = await connection.fetch_one(select(users).where(condition))
    return None if row is None else User.model_validate(row)


async def write(connection: Connection, statement: Insert | Update) -> None:
    try:
        await connection.execute(statement)
    except Exception as error:
        # Another request took the address since FastAPI Users looked it up.
        if dialect.is_unique_violation(error):
            raise UserAlreadyExists from error
        raise


async def get_user_db(database: DatabaseDep) -> UserDatabase:
    return UserDatabase(database)


async def get_request_user_db(database: DatabaseDep, connection: ConnectionDep) -> UserDatabase:
    return UserDatabase(database, connection)


# For FastAPI Users' routes: a unit of work per call.
UserDatabaseDep = Annotated[UserDatabase, Depends(get_user_db)]
# For the service's routes: the request's own unit of work.
RequestUserDatabaseDep = Annotated[UserDatabase, Depends(get_request_user_db)]
