"""Sign-up, sign-in with throttling and TOTP, sessions, passwords."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy.exc import IntegrityError

from tack.core.clock import utc_now
from tack.core.errors import AppError, BadRequest, Conflict, RateLimited, Unauthorized
from tack.core.tokens import hash_token, new_token
from tack.directory.models import Account, AuthSession, LoginThrottle
from tack.directory.passwords import MIN_LENGTH, hash_password, is_weak, verify_password
from tack.directory.repository import AccountRepository
from tack.directory.schemas import AccountUpdate, LoginCreate, PasswordChange, SignupCreate
from tack.storage.uow import UnitOfWork


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    message = "Wrong account or password"


class AccountLocked(RateLimited):
    code = "account_locked"
    message = "Too many failed sign-ins; try again later"


class TotpRequired(Unauthorized):
    code = "totp_required"
    message = "Enter the code from your authenticator app"


class TotpInvalid(Unauthorized):
    code = "totp_invalid"
    message = "That authenticator code is not right"


class AccountExists(Conflict):
    code = "account_exists"
    message = "An account with that phone or e-mail already exists"


class WeakPassword(AppError):
    status_code = 422
    code = "weak_password"
    message = f"Passwords need at least {MIN_LENGTH} characters"


def check_password_strength(password: str) -> None:
    if is_weak(password):
        raise WeakPassword()


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    max_failures: int
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True, slots=True)
class IssuedSession:
    token: str
    session: AuthSession
    account: Account


def _accept_totp(account: Account, code: str) -> bool:
    """A code from the current 30-second step or one either side (clock drift), accepted
    once: a step at or before the last accepted one is refused, so an overheard code cannot
    be replayed within its window."""
    if not account.totp_secret or not code.isdigit():
        return False
    totp = pyotp.TOTP(account.totp_secret)
    now = utc_now()
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if account.totp_last_step is not None and step <= account.totp_last_step:
                return False
            account.totp_last_step = step
            return True
    return False


async def check_signup(uow: UnitOfWork, body: SignupCreate, *, session_days: int) -> IssuedSession:
    if not body.phone and not body.email:
        raise BadRequest("Give a phone number or an e-mail address", code="contact_required")
    check_password_strength(body.password)
    repo = AccountRepository(uow.session)
    if await repo.by_phone_or_email(body.phone, body.email):
        raise AccountExists()
    account = Account(
        name=body.name, phone=body.phone, email=body.email, password_hash=await hash_password(body.password)
    )
    uow.session.add(account)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # a concurrent sign-up with the same phone won the race
        raise AccountExists() from exc
    return await do_open_session(uow, account, session_days=session_days)


async def do_open_session(
    uow: UnitOfWork, account: Account, *, session_days: int, user_agent: str | None = None
) -> IssuedSession:
    token = new_token()
    row = AuthSession(
        account_id=account.id,
        token_hash=hash_token(token),
        expires_at=utc_now() + timedelta(days=session_days),
        user_agent=(user_agent or "")[:255] or None,
    )
    uow.session.add(row)
    await uow.session.flush()
    return IssuedSession(token=token, session=row, account=account)


def _throttle_keys(login: str, ip: str | None) -> list[str]:
    keys = [f"login:{login.lower()}"]
    if ip:
        keys.append(f"ip:{ip}")
    return keys


async def _locked_until(repo: AccountRepository, keys: list[str]) -> datetime | None:
    """The latest time until which any of the keys is locked, or None."""
    now = utc_now()
    until: datetime | None = None
    for key in keys:
        row = await repo.throttle(key)
        if row and row.locked_until and row.locked_until > now:
            until = max(until or row.locked_until, row.locked_until)
    return until


async def do_record_failure(uow: UnitOfWork, *, login: str, ip: str | None, policy: ThrottlePolicy) -> None:
    """Counts a failure against the identifier and the IP; locks a key that reaches the limit.

    Runs in its own unit of work so that the count survives the failed request's rollback.
    """
    repo = AccountRepository(uow.session)
    now = utc_now()
    for key in _throttle_keys(login, ip):
        # The IP gets a wider allowance: many people may sign in from one office NAT.
        limit = policy.max_failures * (4 if key.startswith("ip:") else 1)
        row = await repo.throttle(key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_start=now)
            uow.session.add(row)
        if row.window_start + policy.window < now:
            row.failures, row.window_start = 0, now
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + policy.lockout
            row.failures, row.window_start = 0, now


async def check_login(
    uow: UnitOfWork,
    body: LoginCreate,
    *,
    ip: str | None,
    policy: ThrottlePolicy,
    session_days: int,
    user_agent: str | None = None,
) -> IssuedSession:
    """Signs in by phone or e-mail.

    Raises:
        AccountLocked: the identifier or the IP failed too often recently.
        InvalidCredentials / TotpRequired / TotpInvalid; the caller records the failure.
    """
    repo = AccountRepository(uow.session)
    locked_until = await _locked_until(repo, _throttle_keys(body.login, ip))
    if locked_until is not None:
        seconds = max(1, math.ceil((locked_until - utc_now()).total_seconds()))
        minutes = math.ceil(seconds / 60)
        raise AccountLocked(
            f"Too many failed sign-ins; sign-in is locked for {minutes} more minute{'s' if minutes > 1 else ''}",
            retry_after_seconds=seconds,
        )
    account = await repo.by_login(body.login.strip())
    ok = await verify_password(account.password_hash if account else None, body.password)
    if account is None or not ok:
        raise InvalidCredentials()
    if account.totp_enabled:
        if not body.totp_code:
            raise TotpRequired()
        if not _accept_totp(account, body.totp_code):
            raise TotpInvalid()
    await repo.clear_throttle([f"login:{body.login.lower()}"])
    return await do_open_session(uow, account, session_days=session_days, user_agent=user_agent)


async def check_logout(uow: UnitOfWork, token_hash: str) -> None:
    await AccountRepository(uow.session).delete_session(token_hash)


async def check_logout_everywhere(uow: UnitOfWork, account_id: int) -> None:
    await AccountRepository(uow.session).delete_sessions(account_id)


async def check_change_password(
    uow: UnitOfWork, account_id: int, body: PasswordChange, *, keep_session_hash: str | None
) -> None:
    """Changing the password signs out every other session (a stolen one stops working)."""
    repo = AccountRepository(uow.session)
    account = await repo.get(account_id)
    if account is None or not await verify_password(account.password_hash, body.old_password):
        # 400, not 401: the caller is signed in, only the password they typed is wrong.
        raise BadRequest("The current password is not right", code="wrong_password")
    check_password_strength(body.new_password)
    account.password_hash = await hash_password(body.new_password)
    await repo.delete_sessions(account_id, keep_hash=keep_session_hash)


async def check_totp_setup(uow: UnitOfWork, account_id: int) -> tuple[str, str]:
    account = await AccountRepository(uow.session).get(account_id)
    assert account is not None
    if account.totp_enabled:
        raise Conflict("Two-step verification is already on", code="totp_enabled")
    account.totp_secret = pyotp.random_base32()
    uri = pyotp.TOTP(account.totp_secret).provisioning_uri(
        name=account.phone or account.email or str(account.id), issuer_name="Tack"
    )
    return account.totp_secret, uri


async def check_totp_enable(uow: UnitOfWork, account_id: int, code: str) -> None:
    account = await AccountRepository(uow.session).get(account_id)
    assert account is not None
    if not account.totp_secret:
        raise BadRequest("Start the set-up first", code="totp_not_set_up")
    if not _accept_totp(account, code):
        raise TotpInvalid()
    account.totp_enabled = True


async def check_totp_disable(uow: UnitOfWork, account_id: int, code: str) -> None:
    account = await AccountRepository(uow.session).get(account_id)
    assert account is not None
    if not account.totp_enabled or not _accept_totp(account, code):
        raise TotpInvalid()
    account.totp_enabled = False
    account.totp_secret = None


async def check_update_account(uow: UnitOfWork, account_id: int, body: AccountUpdate) -> Account:
    account = await AccountRepository(uow.session).get(account_id)
    assert account is not None
    if body.language is not None:
        account.language = body.language
    if "last_org_id" in body.model_fields_set:
        account.last_org_id = body.last_org_id
    return account


async def check_sign_in(
    uow_factory: Callable[[], AbstractAsyncContextManager[UnitOfWork]],
    body: LoginCreate,
    *,
    ip: str | None,
    policy: ThrottlePolicy,
    session_days: int,
    user_agent: str | None = None,
) -> IssuedSession:
    """check_login in its own unit of work; a failure is counted in a second one that commits."""
    try:
        async with uow_factory() as uow:
            return await check_login(
                uow, body, ip=ip, policy=policy, session_days=session_days, user_agent=user_agent
            )
    except (InvalidCredentials, TotpInvalid):
        async with uow_factory() as uow:
            await do_record_failure(uow, login=body.login, ip=ip, policy=policy)
        raise
