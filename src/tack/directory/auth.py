"""Who is calling: bearer tokens for API clients, HttpOnly cookies plus a CSRF header for browsers."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import AppError, Forbidden, Unauthorized
from tack.core.tokens import hash_token, same, sign
from tack.directory.access import OrgNotFound, actor_for_org, session_ended
from tack.directory.models import AdminScope, AuthSession, Member
from tack.directory.repository import AccountRepository
from tack.directory.schemas import MAX_ID
from tack.storage.db import run_single_read
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


async def get_caller_actor(request: Request, org_id: int) -> Actor:
    """`get_caller` then `actor_for_org`, decided from ONE prebuilt Core statement (the
    session and its membership in `org_id` joined) on a bare connection, in one hop
    (storage.db.run_single_read; a sub-admin's scope is a second statement there): for a hot
    route whose organization comes from its body (realtime register, thousands at once after
    a restart). No ORM session is opened, so a caller's own session starts its transaction
    only after. The same errors in the same order: no token 401, ended session 401, bad CSRF
    header 403, not an active member 404."""
    token, from_cookie = token_from(request)
    if not token:
        raise Unauthorized()
    token_hash = hash_token(token)
    row, scope = await run_single_read(
        request.app.state.single_read_engine, lambda db: _caller_in_org(db, token_hash, org_id)
    )
    if row is None or row.expires_at <= utc_now():
        raise session_ended()
    problem = csrf_problem(request, token_hash, from_cookie)
    if problem is not None:
        raise problem
    if row.member_id is None or not row.active:
        raise OrgNotFound()
    return Actor(
        account_id=row.account_id, org_id=org_id, member_id=row.member_id, role=row.role, scope_department_ids=frozenset(scope)
    )


_AUTH_SESSION = AuthSession.__table__
_SESSION_BY_HASH = select(_AUTH_SESSION.c.account_id, _AUTH_SESSION.c.expires_at).where(
    _AUTH_SESSION.c.token_hash == bindparam("token_hash")
)


_MEMBER = Member.__table__
_CALLER_IN_ORG = (
    select(
        _AUTH_SESSION.c.account_id,
        _AUTH_SESSION.c.expires_at,
        _MEMBER.c.id.label("member_id"),
        _MEMBER.c.role,
        _MEMBER.c.active,
    )
    .select_from(_AUTH_SESSION)
    .outerjoin(_MEMBER, (_MEMBER.c.account_id == _AUTH_SESSION.c.account_id) & (_MEMBER.c.org_id == bindparam("org_id")))
    .where(_AUTH_SESSION.c.token_hash == bindparam("token_hash"))
)


_SCOPE = select(AdminScope.__table__.c.department_id).where(
    AdminScope.__table__.c.org_id == bindparam("org_id"), AdminScope.__table__.c.member_id == bindparam("member_id")
)


def _caller_in_org(db: Connection, token_hash: str, org_id: int) -> tuple[Row | None, list[int]]:  # type: ignore[type-arg]
    row = db.execute(_CALLER_IN_ORG, {"token_hash": token_hash, "org_id": org_id}).first()
    scope: list[int] = []
    if row is not None and row.role == "subadmin" and row.member_id is not None and row.active:
        scope = list(db.execute(_SCOPE, {"org_id": org_id, "member_id": row.member_id}).scalars())
    return row, scope


def _session_row(db: Connection, token_hash: str) -> tuple[int, object] | None:
    row = db.execute(_SESSION_BY_HASH, {"token_hash": token_hash}).first()
    return (row[0], row[1]) if row is not None else None


async def account_for_token(engine: AsyncEngine, token: str) -> int:
    """The account of a live session token, decided as `get_caller` decides it for a GET
    (no CSRF header expected): one statement on a bare connection of `engine` (the app's
    single_read_engine, storage.db.run_single_read), no ORM session. For the realtime
    socket's handshake, which thousands of clients make at once after a restart."""
    if not token:
        raise Unauthorized()
    row = await run_single_read(engine, lambda db: _session_row(db, hash_token(token)))
    if row is None or row[1] <= utc_now():  # type: ignore[operator]
        raise session_ended()
    return row[0]


async def get_org_actor(
    org_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    caller: Annotated[Caller, Depends(get_caller)],
    session: Annotated[AsyncSession, Depends(get_read_session)],
) -> Actor:
    return await actor_for_org(session, caller.account_id, org_id)


CurrentCaller = Annotated[Caller, Depends(get_caller)]
CurrentActor = Annotated[Actor, Depends(get_org_actor)]
