"""Where FastAPI Users keeps users: ORM entities in the request's session."""

import uuid
from typing import Annotated, Any

from fastapi import Depends
from fastapi_users.db import BaseUserDatabase
from fastapi_users.exceptions import UserAlreadyExists
from sqlalchemy import exc, select
from sqlalchemy.ext.asyncio import AsyncSession

from .. import dialect
from ..db import SessionDep
from ..models import User


def normalized(email: str) -> str:
    """One address, however its letters are cased, is one account."""
    return email.lower()


class UserDatabase(BaseUserDatabase[User, uuid.UUID]):
    """FastAPI Users' user store, in the request's session and transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, id: uuid.UUID) -> User | None:
        return await self.session.get(User, id)

    async def get_by_email(self, email: str) -> User | None:
        return await self.session.scalar(select(User).where(User.email == normalized(email)))

    async def create(self, create_dict: dict[str, Any]) -> User:
        user = User(**{**create_dict, "email": normalized(create_dict["email"])})
        self.session.add(user)
        await self.flush()
        return user

    async def update(self, user: User, update_dict: dict[str, Any]) -> User:
        for field, value in update_dict.items():
            setattr(user, field, normalized(value) if field == "email" else value)
        await self.flush()
        return user

    async def delete(self, user: User) -> None:
        # The database deletes the user's notes with it (ON DELETE CASCADE).
        await self.session.delete(user)
        await self.flush()

    async def flush(self) -> None:
        try:
            await self.session.flush()
        except exc.IntegrityError as error:
            # Another request took the address since FastAPI Users looked it up.
            if dialect.is_unique_violation(error.orig or error):
                raise UserAlreadyExists from error
            raise


async def get_user_db(session: SessionDep) -> UserDatabase:
    return UserDatabase(session)


UserDatabaseDep = Annotated[UserDatabase, Depends(get_user_db)]
