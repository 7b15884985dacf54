"""Sign-up, sign-in, sign-out, the signed-in account, passwords and two-step verification."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tack.directory import queries
from tack.directory.actions import accounts
from tack.directory.auth import CSRF_COOKIE, SESSION_COOKIE, CurrentCaller, csrf_token_for
from tack.directory.schemas import (
    AccountRead,
    AccountUpdate,
    LoginCreate,
    PasswordChange,
    SessionRead,
    SignupCreate,
    TotpCode,
    TotpSetupRead,
)
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["accounts"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]


def _policy(request: Request) -> accounts.ThrottlePolicy:
    s = request.app.state.settings
    return accounts.ThrottlePolicy(
        max_failures=s.login_max_failures,
        window=timedelta(seconds=s.login_window_seconds),
        lockout=timedelta(seconds=s.login_lockout_seconds),
    )


def _session_response(request: Request, response: Response, issued: accounts.IssuedSession, account: AccountRead) -> SessionRead:
    settings = request.app.state.settings
    csrf = csrf_token_for(settings.resolved_secret_key, issued.session.token_hash)
    max_age = settings.session_days * 86400
    response.set_cookie(
        SESSION_COOKIE, issued.token, max_age=max_age, httponly=True, samesite="lax", secure=settings.cookie_secure
    )
    response.set_cookie(CSRF_COOKIE, csrf, max_age=max_age, httponly=False, samesite="lax", secure=settings.cookie_secure)
    return SessionRead(token=issued.token, csrf_token=csrf, expires_at=issued.session.expires_at, account=account)


@router.post("/auth/signup", status_code=201)
async def sign_up(request: Request, response: Response, body: SignupCreate, uow: UoW) -> SessionRead:
    issued = await accounts.check_signup(uow, body, session_days=request.app.state.settings.session_days)
    account = await queries.get_account(uow.session, issued.account.id)
    return _session_response(request, response, issued, account)


@router.post("/auth/login")
async def log_in(request: Request, response: Response, body: LoginCreate, session: ReadSession) -> SessionRead:
    issued = await accounts.check_sign_in(
        request.app.state.uow_factory,
        body,
        ip=request.client.host if request.client else None,
        policy=_policy(request),
        session_days=request.app.state.settings.session_days,
        user_agent=request.headers.get("user-agent"),
    )
    account = await queries.get_account(session, issued.account.id)
    return _session_response(request, response, issued, account)


@router.post("/auth/logout", status_code=204, response_class=Response)
async def log_out(caller: CurrentCaller, uow: UoW, response: Response) -> None:
    await accounts.check_logout(uow, caller.token_hash)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)


@router.post("/auth/logout-everywhere", status_code=204, response_class=Response)
async def log_out_everywhere(caller: CurrentCaller, uow: UoW, response: Response) -> None:
    await accounts.check_logout_everywhere(uow, caller.account_id)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)


@router.get("/me")
async def get_me(caller: CurrentCaller, session: ReadSession) -> AccountRead:
    return await queries.get_account(session, caller.account_id)


@router.patch("/me")
async def update_me(caller: CurrentCaller, body: AccountUpdate, uow: UoW) -> AccountRead:
    await accounts.check_update_account(uow, caller.account_id, body)
    await uow.session.flush()
    return await queries.get_account(uow.session, caller.account_id)


@router.post("/me/password", status_code=204, response_class=Response)
async def change_password(caller: CurrentCaller, body: PasswordChange, uow: UoW) -> None:
    await accounts.check_change_password(uow, caller.account_id, body, keep_session_hash=caller.token_hash)


@router.post("/me/totp/setup")
async def set_up_totp(caller: CurrentCaller, uow: UoW) -> TotpSetupRead:
    secret, uri = await accounts.check_totp_setup(uow, caller.account_id)
    return TotpSetupRead(secret=secret, otpauth_uri=uri)


@router.post("/me/totp/enable", status_code=204, response_class=Response)
async def enable_totp(caller: CurrentCaller, body: TotpCode, uow: UoW) -> None:
    await accounts.check_totp_enable(uow, caller.account_id, body.code)


@router.post("/me/totp/disable", status_code=204, response_class=Response)
async def disable_totp(caller: CurrentCaller, body: TotpCode, uow: UoW) -> None:
    await accounts.check_totp_disable(uow, caller.account_id, body.code)
