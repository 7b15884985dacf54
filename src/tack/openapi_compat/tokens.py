"""App access tokens: issued by /gettoken and /v1.0/oauth2/accessToken, checked on every call.

A token is `<app id>.<secret version>.<expiry>.<signature>` (hex), signed with a key derived
from the server's secret key. Nothing is stored per token, so a check is one HMAC plus one
primary-key read of the app (which must still be enabled, at the same secret version), and
tokens work on every server process that shares TACK_SECRET_KEY. Each request for a token
gets a fresh one valid for TOKEN_LIFETIME; earlier ones stay valid until they expire.
Disabling the app or rotating its secret revokes them all at once.

The app's state is kept in a small per-process cache (`AppCache`) for CACHE_SECONDS, so the
hot path usually reads nothing: a positive answer may be that old (disabling or rotating on
another server process takes up to CACHE_SECONDS there; on this process the action drops the
entry at once), while every negative answer is re-checked against the database first, so a
stale entry can never refuse a good token (which would make clients refresh in a loop).

Failures are reported as a `TokenProblem`, never an exception, so that each wire style
(oapi, /topapi, /v1.0, TOP) answers with its own code: see auth.py.
"""

import enum
import functools
import hashlib
import hmac
import ipaddress
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.tokens import same
from tack.openapi_compat.apps.models import App
from tack.openapi_compat.apps.repository import AppKeyRepository

CACHE_SECONDS = 2.0
# DingTalk's documented lifetime of an app access token, for both styles (expires_in / expireIn).
TOKEN_LIFETIME = 7200


class TokenProblem(enum.Enum):
    MISSING = "missing"
    INVALID = "invalid"  # malformed, forged, unknown app, disabled app, rotated secret
    EXPIRED = "expired"
    BAD_CREDENTIALS = "bad_credentials"
    IP_NOT_ALLOWED = "ip_not_allowed"


@dataclass(frozen=True, slots=True)
class AppCaller:
    """The app behind a valid token: its org scopes everything it does."""

    app_id: int
    org_id: int
    name: str
    scopes: frozenset[str]
    ip: str

    @property
    def agent_id(self) -> int:
        return self.app_id

    @property
    def actor(self) -> Actor:
        """How the directory sees an app: as an administrator reading the whole directory
        (DingTalk internal apps read every department unless their 通讯录范围 is narrowed;
        Tack has no per-app range yet). Writes check the app's own scopes, not this role."""
        return Actor(account_id=0, org_id=self.org_id, member_id=None, role="admin", kind="app")


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    expires_in: int
    app: AppCaller


@functools.lru_cache(maxsize=8)
def _key(server_secret: str) -> bytes:
    return hashlib.sha256(b"tack-openapi-token:" + server_secret.encode()).digest()


def _signature(key: bytes, app_key: str, body: str) -> str:
    # The app key is signed in, so a token never names a different app after ids are reused.
    return hmac.new(key, f"{app_key}|{body}".encode(), hashlib.sha256).hexdigest()[:32]


def sign_token(server_secret: str, app: App, expires_at: int) -> str:
    body = f"{app.id:x}.{app.secret_version:x}.{expires_at:x}"
    return f"{body}.{_signature(_key(server_secret), app.app_key, body)}"


def ip_allowed(app: App, ip: str) -> bool:
    if not app.ip_allowlist:
        return True
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(rule, strict=False) for rule in app.ip_allowlist)


def _caller(app: App, ip: str) -> AppCaller:
    return AppCaller(app_id=app.id, org_id=app.org_id, name=app.name, scopes=frozenset(app.scopes), ip=ip)


async def issue_token(
    session: AsyncSession, server_secret: str, *, app_key: str, app_secret: str, ip: str, now: datetime | None = None
) -> Issued | TokenProblem:
    """Checks the app key and secret (and the caller's IP) and signs a token.

    - Unknown key, wrong secret and a disabled app all answer BAD_CREDENTIALS: a caller learns
      nothing about which keys exist.
    - An IP outside the app's allowlist is refused here too, not only on later calls.
    """
    if not app_key or not app_secret:
        return TokenProblem.MISSING
    app = await AppKeyRepository(session).by_key(app_key[:64])
    if app is None or not app.enabled or not same(app.app_secret, app_secret):
        return TokenProblem.BAD_CREDENTIALS
    if not ip_allowed(app, ip):
        return TokenProblem.IP_NOT_ALLOWED
    expires_at = int((now or utc_now()).timestamp()) + TOKEN_LIFETIME
    return Issued(sign_token(server_secret, app, expires_at), TOKEN_LIFETIME, _caller(app, ip))


@dataclass(frozen=True, slots=True)
class AppState:
    """What a token check needs of an app, detached from any session."""

    id: int
    org_id: int
    name: str
    app_key: str
    secret_version: int
    enabled: bool
    scopes: frozenset[str]
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def of(cls, app: App) -> "AppState":
        return cls(
            id=app.id, org_id=app.org_id, name=app.name, app_key=app.app_key, secret_version=app.secret_version,
            enabled=app.enabled, scopes=frozenset(app.scopes),
            networks=tuple(ipaddress.ip_network(rule, strict=False) for rule in app.ip_allowlist),
        )

    def allows(self, ip: str) -> bool:
        if not self.networks:
            return True
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


class AppCache:
    """app id → (AppState, loaded at), per process; bounded by clearing when full."""

    MAX = 10000

    def __init__(self) -> None:
        self._entries: dict[int, tuple[AppState, float]] = {}

    def get(self, app_id: int) -> AppState | None:
        entry = self._entries.get(app_id)
        if entry is None or time.monotonic() - entry[1] > CACHE_SECONDS:
            return None
        return entry[0]

    def put(self, state: AppState) -> None:
        if len(self._entries) >= self.MAX:
            self._entries.clear()
        self._entries[state.id] = (state, time.monotonic())

    def drop(self, app_id: int) -> None:
        self._entries.pop(app_id, None)


APPS = AppCache()


# Tokens whose signature has checked out → (the app key and server secret it was checked
# with): the HMAC is then computed once per token instead of once per call. Bounded by
# clearing when full. The app's state (enabled, secret version) is still checked each call.
_SIGNED: dict[str, tuple[str, str]] = {}
_SIGNED_MAX = 10000


def _verdict(state: AppState | None, version: int, token: str, body: str, signature: str, server_secret: str) -> bool:
    if state is None or not state.enabled or state.secret_version != version:
        return False
    if _SIGNED.get(token) == (state.app_key, server_secret):
        return True
    if not same(_signature(_key(server_secret), state.app_key, body), signature):
        return False
    if len(_SIGNED) >= _SIGNED_MAX:
        _SIGNED.clear()
    _SIGNED[token] = (state.app_key, server_secret)
    return True


async def check_token(
    session: AsyncSession, server_secret: str, token: str | None, *, ip: str, now: datetime | None = None
) -> AppCaller | TokenProblem:
    """The hot path of every compat call: parse, one HMAC, the app's state (cached).

    - EXPIRED only for a token we signed whose time is up (clients then fetch a new one);
      everything else that fails is INVALID. A token just issued is never refused with
      either, unless the app was disabled or its secret rotated in between.
    """

    async def load(app_id: int) -> AppState | None:
        app = await AppKeyRepository(session).by_id(app_id)
        return AppState.of(app) if app is not None else None

    return await _check(load, server_secret, token, ip=ip, now=now)


async def check_token_lazily(
    open_session: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    server_secret: str,
    token: str | None,
    *,
    ip: str,
    now: datetime | None = None,
) -> AppCaller | TokenProblem:
    """`check_token` that opens a session only when the app's state is not cached (once per
    CACHE_SECONDS per app, or for a token that fails): the lean routes' way."""

    async def load(app_id: int) -> AppState | None:
        async with open_session() as session:
            app = await AppKeyRepository(session).by_id(app_id)
            return AppState.of(app) if app is not None else None

    return await _check(load, server_secret, token, ip=ip, now=now)


async def _check(
    load: Callable[[int], Awaitable[AppState | None]],
    server_secret: str,
    token: str | None,
    *,
    ip: str,
    now: datetime | None,
) -> AppCaller | TokenProblem:
    if not token:
        return TokenProblem.MISSING
    parts = token.split(".")
    if len(parts) != 4 or len(token) > 120:
        return TokenProblem.INVALID
    try:
        app_id, version, expires_at = (int(p, 16) for p in parts[:3])
    except ValueError:
        return TokenProblem.INVALID
    if not 0 < app_id < 2**63:
        return TokenProblem.INVALID
    body = ".".join(parts[:3])
    state = APPS.get(app_id)
    if not _verdict(state, version, token, body, parts[3], server_secret):
        state = await load(app_id)
        if state is None:
            APPS.drop(app_id)
            return TokenProblem.INVALID
        APPS.put(state)
        if not _verdict(state, version, token, body, parts[3], server_secret):
            return TokenProblem.INVALID
    assert state is not None
    if expires_at <= (now.timestamp() if now is not None else time.time()):
        return TokenProblem.EXPIRED
    if not state.allows(ip):
        return TokenProblem.IP_NOT_ALLOWED
    return AppCaller(app_id=state.id, org_id=state.org_id, name=state.name, scopes=state.scopes, ip=ip)
