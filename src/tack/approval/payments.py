"""The payment webhook an approved reimbursement is sent to.

POST of JSON to TACK_APPROVAL_PAYMENT_WEBHOOK_URL with headers `X-Tack-Timestamp` (unix
seconds), `X-Tack-Signature` (`sha256=` + hex HMAC-SHA256 with
TACK_APPROVAL_PAYMENT_WEBHOOK_SECRET over `"{timestamp}.{body}"`) and `Idempotency-Key`
(the same on every retry of one reimbursement, so the payment system pays once). A 2xx
answer is success (its JSON body, if any, is recorded); anything else or a transport error
raises PaymentError and the job retries with backoff. No URL configured: the payment is
recorded as not_configured and nothing is sent.
"""

import json
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from tack.core.tokens import sign

if TYPE_CHECKING:
    import httpx  # loaded by the first payment call (~5 MB), not by every server


class PaymentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TACK_APPROVAL_PAYMENT_", extra="ignore")

    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_timeout_seconds: float = 10.0


class PaymentError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    idempotency_key: str
    org_id: int
    instance_id: int
    member_id: int
    payee_name: str
    amount: str  # yuan, two decimals
    currency: str
    title: str
    invoices: list[dict[str, str]]


def signature(secret: str, timestamp: str, body: str) -> str:
    return "sha256=" + sign(secret, f"{timestamp}.{body}")


class PaymentClient:
    def __init__(self, settings: PaymentSettings | None = None, *, transport: "httpx.AsyncBaseTransport | None" = None) -> None:
        self.settings = settings or PaymentSettings()
        self.transport = transport

    @property
    def configured(self) -> bool:
        return bool(self.settings.webhook_url)

    async def send(self, request: PaymentRequest) -> dict[str, Any]:
        payload = {"type": "approval.payment", **asdict(request)}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "x-tack-timestamp": timestamp,
            "x-tack-signature": signature(self.settings.webhook_secret, timestamp, body),
            "idempotency-key": request.idempotency_key,
        }
        import httpx

        try:
            async with httpx.AsyncClient(timeout=self.settings.webhook_timeout_seconds, transport=self.transport) as client:
                response = await client.post(self.settings.webhook_url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            raise PaymentError(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise PaymentError(f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            data = response.json()
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {"body": data}


_current: PaymentClient | None = None


def current() -> PaymentClient:
    global _current
    if _current is None:
        _current = PaymentClient()
    return _current


def use(client: PaymentClient | None) -> PaymentClient | None:
    """Replace the client (tests); returns the old one."""
    global _current
    previous, _current = _current, client
    return previous
