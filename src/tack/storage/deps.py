"""FastAPI dependencies for sessions: one unit of work per write request, read sessions for reads."""

from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from tack.storage.db import run_single_read

from tack.storage.uow import UnitOfWork


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """Declare with Depends(get_uow, scope="function"): the commit then happens before the
    response is sent, so a 2xx always means the change is durable."""
    async with request.app.state.uow_factory() as uow:
        yield uow


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.read_sessionmaker() as session:
        yield session


T = TypeVar("T")


async def single_read(request: Request, read: Callable[[Connection], T]) -> T:
    """A hot read of ONE statement on a bare connection, no ORM session and (SQLite) no
    transaction, in one greenlet hop: `await single_read(request, lambda db: query(db, ...))`
    with a synchronous query (db.run_single_read). Statements that must agree with each other
    need a read session instead."""
    return await run_single_read(request.app.state.single_read_engine, read)


def read_session_opener(request: Request):  # type: ignore[no-untyped-def]
    """The read sessionmaker, for code that opens a session only when it needs one."""
    return request.app.state.read_sessionmaker
