"""The HTTP side of outgoing robots: POSTs a bot message to the robot's callback URL, signed
as DingTalk signs them (headers `timestamp` in ms and `sign` = base64(HMAC-SHA256(key,
f"{timestamp}\\n{key}")), plus `token`). The key is the robot's 加签 secret when it has one,
else its outgoing token, both shown to the group's admins."""

import json
import time
from typing import TYPE_CHECKING, Any


from tack.openapi_compat.robots.security import expected_sign

if TYPE_CHECKING:
    import httpx  # loaded by the first callback (~5 MB), not by every server


class CallbackFailed(Exception):
    pass


def signed_headers(key: str, token: str) -> dict[str, str]:
    timestamp = str(int(time.time() * 1000))
    return {
        "content-type": "application/json; charset=utf-8",
        "timestamp": timestamp,
        "sign": expected_sign(key, timestamp),
        "token": token,
    }


async def post_callback(
    url: str, payload: dict[str, Any], *, key: str, token: str, timeout: float, transport: "httpx.AsyncBaseTransport | None" = None
) -> Any:
    """Delivers one callback; returns the JSON the receiver answered with (None if none).
    Any transport error or non-2xx answer raises CallbackFailed, so the job retries."""
    import httpx

    body = json.dumps(payload, ensure_ascii=False).encode()
    try:
        async with httpx.AsyncClient(timeout=timeout, transport=transport) as client:
            response = await client.post(url, content=body, headers=signed_headers(key, token))
    except httpx.HTTPError as exc:
        raise CallbackFailed(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise CallbackFailed(f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        return response.json()
    except ValueError:
        return None
