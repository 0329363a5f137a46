"""Where FastAPI Users keeps users: rows of the Core `users` table, on the request's connection."""

import uuid
from typing import Annotated, Any

from databases.core import Connection
from fastapi import Depends
from fastapi_users.db import BaseUserDatabase
from fastapi_users.exceptions import UserAlreadyExists
from sqlalchemy import ColumnElement, Insert, Update, delete, insert, select, update

from .. import dialect
from ..db import ConnectionDep
from ..models import User, users


def normalized(email: str) -> str:
    """One address, however its letters are cased, is one account."""
    return email.lower()


class UserDatabase(BaseUserDatabase[User, uuid.UUID]):
    """FastAPI Users' user store, on the request's connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    async def get(self, id: uuid.UUID) -> User | None:
        return await self.first(users.c.id == id)

    async def get_by_email(self, email: str) -> User | None:
        return await self.first(users.c.email == normalized(email))

    async def create(self, create_dict: dict[str, Any]) -> User:
        user_id = uuid.uuid4()
        values = {**create_dict, "id": user_id, "email": normalized(create_dict["email"])}
        await self.write(insert(users).values(**values))
        created = await self.get(user_id)
        assert created is not None  # just written on this connection
        return created

    async def update(self, user: User, update_dict: dict[str, Any]) -> User:
        values = {
            field: normalized(value) if field == "email" else value
            for field, value in update_dict.items()
        }
        if values:
            await self.write(update(users).where(users.c.id == user.id).values(**values))
        return user.model_copy(update=values)

    async def delete(self, user: User) -> None:
        # The database deletes the user's notes with it (ON DELETE CASCADE).
        await self.connection.execute(delete(users).where(users.c.id == user.id))

    async def first(self, condition: ColumnElement[bool]) -> User | None:
        row = await self.connection.fetch_one(select(users).where(condition))
        return None if row is None else User.model_validate(row)

    async def write(self, statement: Insert | Update) -> None:
        try:
            await self.connection.execute(statement)
        except Exception as error:
            # Another request took the address since FastAPI Users looked it up.
            if dialect.is_unique_violation(error):
                raise UserAlreadyExists from error
            raise


async def get_user_db(connection: ConnectionDep) -> UserDatabase:
    return UserDatabase(connection)


UserDatabaseDep = Annotated[UserDatabase, Depends(get_user_db)]
