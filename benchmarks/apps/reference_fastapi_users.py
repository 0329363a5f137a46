"""The notes endpoints with accounts as a team writes them without the template: FastAPI
Users the way its documentation teaches, on SQLAlchemy.

Its SQLAlchemy adapter, `SQLAlchemyUserDatabase`, on one `AsyncSession` per request from
a yield dependency and the engine's default pool; a JWT strategy behind a bearer
transport; the register and login routers; and `current_user(active=True)` on the
notes routes, which read and write the signed-in user's notes in the same session.

It serves the tables the auth variants' migrations build (`users`, and `notes` with an
`owner_id`), so its user's id is SQLAlchemy's `Uuid` as theirs is, rather than the
adapter's own GUID type. `DATABASE_URL` is an async SQLAlchemy URL; `AUTH_SECRET` signs
the tokens.

fastapi-users-db-sqlalchemy requires SQLAlchemy below 2.1 (7.0.0: `sqlalchemy[asyncio]
<2.1.0,>=2.0.0`), and the services' ORM variant SQLAlchemy 2.1: the benchmark serves
this app from a virtualenv of its own (apps/__init__.py lists what it holds), never
the template's.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request, Response, status
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users_db_sqlalchemy import SQLAlchemyBaseUserTable, SQLAlchemyUserDatabase
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, ForeignKey, String, Uuid
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTable[uuid.UUID], Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(String(500))
    completed: Mapped[bool] = mapped_column(default=False)
    # Set on insert from the app's clock, in UTC (PostgreSQL keeps the offset; SQLite
    # and MySQL keep the date and time).
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserRead(schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(schemas.BaseUserCreate):
    pass


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=500)
    completed: bool = False


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    completed: bool
    created_at: datetime
    updated_at: datetime


async def get_async_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_async_session)]


async def get_user_db(
    session: SessionDep,
) -> AsyncIterator[SQLAlchemyUserDatabase[User, uuid.UUID]]:
    yield SQLAlchemyUserDatabase(session, User)


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = os.environ.get("AUTH_SECRET", "")
    verification_token_secret = reset_password_token_secret


async def get_user_manager(
    user_db: Annotated[SQLAlchemyUserDatabase[User, uuid.UUID], Depends(get_user_db)],
) -> AsyncIterator[UserManager]:
    yield UserManager(user_db)


def get_jwt_strategy() -> JWTStrategy[User, uuid.UUID]:
    return JWTStrategy(secret=os.environ.get("AUTH_SECRET", ""), lifetime_seconds=3600)


auth_backend = AuthenticationBackend(
    name="jwt",
    transport=BearerTransport(tokenUrl="auth/jwt/login"),
    get_strategy=get_jwt_strategy,
)
fastapi_users = FastAPIUsers[User, uuid.UUID](get_user_manager, [auth_backend])
current_active_user = fastapi_users.current_user(active=True)
CurrentUser = Annotated[User, Depends(current_active_user)]

router = APIRouter()


@router.get("/notes/{note_id}", response_model=NoteRead)
async def read_note(
    note_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep, user: CurrentUser
) -> Note:
    note = await session.get(Note, note_id)
    if note is None or note.owner_id != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Note not found")
    return note


@router.post("/notes", response_model=NoteRead, status_code=status.HTTP_201_CREATED)
async def create_note(
    data: NoteCreate, session: SessionDep, user: CurrentUser, request: Request, response: Response
) -> Note:
    note = Note(owner_id=user.id, **data.model_dump())
    session.add(note)
    await session.commit()
    response.headers["Location"] = str(request.url_for("read_note", note_id=note.id))
    return note


def create_app(url: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_async_engine(url)
        app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)
    app.include_router(
        fastapi_users.get_auth_router(auth_backend), prefix="/auth/jwt", tags=["auth"]
    )
    app.include_router(
        fastapi_users.get_register_router(UserRead, UserCreate), prefix="/auth", tags=["auth"]
    )
    app.include_router(router)
    return app


def app_from_environment() -> FastAPI:
    """What uvicorn serves with `--factory`."""
    return create_app(os.environ["DATABASE_URL"])
