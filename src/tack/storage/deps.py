"""FastAPI dependencies for sessions: one unit of work per write request, read sessions for reads."""

from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from tack.storage.uow import UnitOfWork


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """Declare with Depends(get_uow, scope="function"): the commit then happens before the
    response is sent, so a 2xx always means the change is durable."""
    async with request.app.state.uow_factory() as uow:
        yield uow


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.read_sessionmaker() as session:
        yield session
