"""Where FastAPI Users keeps users: rows of the Core `users` table, in the app's database."""

import uuid
from typing import Annotated, Any

from fastapi import Depends
from fastapi_users.db import BaseUserDatabase
from fastapi_users.exceptions import UserAlreadyExists
from sqlalchemy import ColumnElement, Insert, Update, delete, insert, select, update

from ..db import Database, DatabaseDep
from ..errors import Conflict
from ..models import User, users


def normalized(email: str) -> str:
    """One address, however its letters are cased, is one account."""
    return email.lower()


class UserDatabase(BaseUserDatabase[User, uuid.UUID]):
    """FastAPI Users' user store.

    Each call holds a connection only for its own statements: FastAPI Users'
    routes hash passwords between their calls, and must hold no connection (on
    SQLite, no write turn) while they do.
    """

    def __init__(self, database: Database) -> None:
        self.database = database

    async def get(self, id: uuid.UUID) -> User | None:
        return await self.first(users.c.id == id)

    async def get_by_email(self, email: str) -> User | None:
        return await self.first(users.c.email == normalized(email))

    async def create(self, create_dict: dict[str, Any]) -> User:
        user_id = uuid.uuid4()
        values = {**create_dict, "id": user_id, "email": normalized(create_dict["email"])}
        async with self.database.transaction():
            await self.write(insert(users).values(**values))
            created = await self.first(users.c.id == user_id)
        assert created is not None  # just written in this transaction
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
        await self.database.execute(delete(users).where(users.c.id == user.id))

    async def first(self, condition: ColumnElement[bool]) -> User | None:
        row = await self.database.fetch_one(select(users).where(condition))
        return None if row is None else User.model_validate(row)

    async def write(self, statement: Insert | Update) -> None:
        try:
            await self.database.execute(statement)
        except Conflict as error:
            # Another request took the address since FastAPI Users looked it up.
            raise UserAlreadyExists from error


async def get_user_db(database: DatabaseDep) -> UserDatabase:
    return UserDatabase(database)


UserDatabaseDep = Annotated[UserDatabase, Depends(get_user_db)]
# The service's routes look the signed-in user up the same way: each statement
# takes a pooled connection of its own.
RequestUserDatabaseDep = UserDatabaseDep
