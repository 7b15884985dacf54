"""FastAPI dependencies for sessions: one unit of work per write request, read sessions for reads."""

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tack.storage.uow import UnitOfWork


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """Declare with Depends(get_uow, scope="function"): the commit then happens before the
    response is sent, so a 2xx always means the change is durable."""
    async with request.app.state.uow_factory() as uow:
        yield uow


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.read_sessionmaker() as session:
        yield session


def read_connection(request: Request) -> AbstractAsyncContextManager[AsyncConnection]:
    """A bare read connection (no ORM session, no transaction on SQLite) for a hot read of
    ONE statement (db.single_read_engine): `async with read_connection(request) as db: ...`.
    Several statements that must agree with each other need a read session instead."""
    return request.app.state.single_read_engine.connect()  # type: ignore[no-any-return]


def read_session_opener(request: Request):  # type: ignore[no-untyped-def]
    """The read sessionmaker, for code that opens a session only when it needs one."""
    return request.app.state.read_sessionmaker
