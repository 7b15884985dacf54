"""Who is calling: bearer tokens for API clients, HttpOnly cookies plus a CSRF header for browsers."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import AppError, Forbidden, Unauthorized
from tack.core.tokens import hash_token, same, sign
from tack.directory.access import actor_for_org, session_ended
from tack.directory.repository import AccountRepository
from tack.directory.schemas import MAX_ID
from tack.storage.deps import get_read_session

SESSION_COOKIE = "tack_session"
CSRF_COOKIE = "tack_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True, slots=True)
class Caller:
    account_id: int
    token_hash: str


def csrf_token_for(secret: str, token_hash: str) -> str:
    """Bound to the session, so a token from one session is worthless in another."""
    return sign(secret, "csrf:" + token_hash)


def token_from(request: Request) -> tuple[str | None, bool]:
    """The session token of a request, and whether it came from the cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), False
    return request.cookies.get(SESSION_COOKIE), True


def csrf_problem(request: Request, token_hash: str, from_cookie: bool) -> AppError | None:
    """A browser's write must carry the CSRF header bound to its session cookie."""
    if from_cookie and request.method not in SAFE_METHODS:
        expected = csrf_token_for(request.app.state.settings.resolved_secret_key, token_hash)
        if not same(request.headers.get(CSRF_HEADER, ""), expected):
            return Forbidden("The page is out of date; reload it and try again", code="csrf_failed")
    return None


async def get_caller(request: Request, session: Annotated[AsyncSession, Depends(get_read_session)]) -> Caller:
    token, from_cookie = token_from(request)
    if not token:
        raise Unauthorized()
    token_hash = hash_token(token)
    row = await AccountRepository(session).session_by_hash(token_hash)
    if row is None or row.expires_at <= utc_now():
        raise session_ended()
    problem = csrf_problem(request, token_hash, from_cookie)
    if problem is not None:
        raise problem
    return Caller(account_id=row.account_id, token_hash=token_hash)


async def get_org_actor(
    org_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    caller: Annotated[Caller, Depends(get_caller)],
    session: Annotated[AsyncSession, Depends(get_read_session)],
) -> Actor:
    return await actor_for_org(session, caller.account_id, org_id)


CurrentCaller = Annotated[Caller, Depends(get_caller)]
CurrentActor = Annotated[Actor, Depends(get_org_actor)]
