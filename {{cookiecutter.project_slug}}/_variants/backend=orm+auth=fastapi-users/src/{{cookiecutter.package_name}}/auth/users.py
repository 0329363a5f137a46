"""Where FastAPI Users keeps users: ORM entities, each call in a unit of work."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends
from fastapi_users.db import BaseUserDatabase
from fastapi_users.exceptions import UserAlreadyExists
from sqlalchemy import exc, select
from sqlalchemy.ext.asyncio import AsyncSession

from .. import dialect
from ..db import Database, DatabaseDep, SessionDep
from ..models import User


def normalized(email: str) -> str:
    """One address, however its letters are cased, is one account."""
    return email.lower()


class UserDatabase(BaseUserDatabase[User, uuid.UUID]):
    """FastAPI Users' user store.

    Given the request's session, it works in it: the service's own routes look
    the signed-in user up in their unit of work. Without one, each call is a
    unit of work of its own: FastAPI Users' routes hash passwords between their
    calls, and must hold no connection (on SQLite, no write lock) while they do.
    """

    def __init__(self, database: Database, session: AsyncSession | None = None) -> None:
        self.database = database
        self.session = session

    @asynccontextmanager
    async def unit_of_work(self, *, writes: bool) -> AsyncIterator[AsyncSession]:
        if self.session is not None:
            yield self.session
        else:
            async with self.database.unit_of_work(writes=writes) as session:
                yield session

    async def get(self, id: uuid.UUID) -> User | None:
        async with self.unit_of_work(writes=False) as session:
            return await session.get(User, id)

    async def get_by_email(self, email: str) -> User | None:
        async with self.unit_of_work(writes=False) as session:
            return await session.scalar(select(User).where(User.email == normalized(email)))

    async def create(self, create_dict: dict[str, Any]) -> User:
        user = User(**{**create_dict, "email": normalized(create_dict["email"])})
        async with self.unit_of_work(writes=True) as session:
            session.add(user)
            await flushed(session)
        return user

    async def update(self, user: User, update_dict: dict[str, Any]) -> User:
        async with self.unit_of_work(writes=True) as session:
            # A user read in another unit of work joins this one.
            session.add(user)
            for field, value in update_dict.items():
                setattr(user, field, normalized(value) if field == "email" else value)
            await flushed(session)
        return user

    async def delete(self, user: User) -> None:
        async with self.unit_of_work(writes=True) as session:
            # The database deletes the user's notes with it (ON DELETE CASCADE).
            await session.delete(user)
            await flushed(session)


async def flushed(session: AsyncSession) -> None:
    try:
        await session.flush()
    except exc.IntegrityError as error:
        # Another request took the address since FastAPI Users looked it up.
        if dialect.is_unique_violation(error.orig or error):
            raise UserAlreadyExists from error
        raise


async def get_user_db(database: DatabaseDep) -> UserDatabase:
    return UserDatabase(database)


async def get_request_user_db(database: DatabaseDep, session: SessionDep) -> UserDatabase:
    return UserDatabase(database, session)


# For FastAPI Users' routes: a unit of work per call.
UserDatabaseDep = Annotated[UserDatabase, Depends(get_user_db)]
# For the service's routes: the request's own unit of work.
RequestUserDatabaseDep = Annotated[UserDatabase, Depends(get_request_user_db)]
