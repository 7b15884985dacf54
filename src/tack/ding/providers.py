"""SMS / voice-call providers of DING: an interface and the two built in.

- `log` (default): writes what would be sent to the `tack.ding` log; the caller records a
  `ding_delivery` row, so the attempt is visible like any other.
- `webhook`: POSTs signed JSON to a configured URL, so any SMS / voice gateway can be
  attached. Headers: `X-Tack-Timestamp` (unix seconds), `X-Tack-Signature`
  (`sha256=` + hex HMAC-SHA256 with the secret over `"{timestamp}.{body}"`), and
  `X-Tack-Delivery` (a key stable across retries of the same notice, for the gateway to
  drop duplicates). Any non-2xx answer or transport error raises ProviderError, so the
  job retries with backoff; each attempt is recorded.

Settings (environment, pydantic-settings): TACK_DING_PROVIDER (log | webhook),
TACK_DING_WEBHOOK_URL, TACK_DING_WEBHOOK_SECRET, TACK_DING_WEBHOOK_TIMEOUT_SECONDS (10);
TACK_DING_MINUTE_SECONDS is for tests only (see below).
"""

import json
import logging
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic_settings import BaseSettings, SettingsConfigDict

from tack.core.tokens import sign

if TYPE_CHECKING:
    import httpx  # loaded by the first outgoing call (~5 MB), not by every server

log = logging.getLogger("tack.ding")


class DingProviderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TACK_DING_", extra="ignore")

    provider: Literal["log", "webhook"] = "log"
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_timeout_seconds: float = 10.0
    # TEST ONLY: seconds in a schedule "minute" (reminders, escalation), so a test against a
    # real server process can run a reminder schedule in seconds. Never set in production.
    minute_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class Notice:
    """One SMS or call to one person about one DING."""

    delivery_key: str
    org_id: int
    ding_id: int
    member_id: int
    name: str
    phone: str | None
    channel: str  # sms | call
    kind: str  # send | reminder | escalation | reding
    round: int
    sender_name: str
    text: str


class ProviderError(Exception):
    pass


class Provider(Protocol):
    name: str

    async def send(self, notice: Notice) -> None:
        """Deliver or raise ProviderError (the job then retries)."""


class LogProvider:
    name = "log"

    async def send(self, notice: Notice) -> None:
        log.info("DING %s would be sent: %s", notice.channel, json.dumps(asdict(notice), ensure_ascii=False))


class WebhookProvider:
    name = "webhook"

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0, transport: "httpx.AsyncBaseTransport | None" = None) -> None:
        if not url:
            raise ValueError("TACK_DING_WEBHOOK_URL is required for the webhook provider")
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.transport = transport

    def signature(self, timestamp: str, body: str) -> str:
        return "sha256=" + sign(self.secret, f"{timestamp}.{body}")

    async def send(self, notice: Notice) -> None:
        body = json.dumps({"type": "ding." + notice.channel, **asdict(notice)}, ensure_ascii=False, separators=(",", ":"))
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "x-tack-timestamp": timestamp,
            "x-tack-signature": self.signature(timestamp, body),
            "x-tack-delivery": notice.delivery_key,
        }
        import httpx

        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                response = await client.post(self.url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            raise ProviderError(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise ProviderError(f"HTTP {response.status_code}: {response.text[:200]}")


_current: Provider | None = None
_minute: float | None = None


def schedule_minute() -> float:
    """Seconds per schedule minute: 60, except in tests that set TACK_DING_MINUTE_SECONDS."""
    global _minute
    if _minute is None:
        _minute = DingProviderSettings().minute_seconds
    return _minute


def from_settings(settings: DingProviderSettings | None = None) -> Provider:
    settings = settings or DingProviderSettings()
    if settings.provider == "webhook":
        return WebhookProvider(settings.webhook_url, settings.webhook_secret, timeout=settings.webhook_timeout_seconds)
    return LogProvider()


def current() -> Provider:
    """The process's provider, built from TACK_DING_* on first use."""
    global _current
    if _current is None:
        _current = from_settings()
    return _current


def use(provider: Provider | None) -> Provider | None:
    """Replace the provider (tests, or main.py with explicit settings); returns the old one."""
    global _current
    previous, _current = _current, provider
    return previous
