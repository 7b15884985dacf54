"""One POST to an app's callback URL in DingTalk's encrypted form, and the check of its answer.

Request: POST <url>?msg_signature=S&signature=S&timestamp=T&nonce=N with body {"encrypt": E}
(DingTalk's samples read `msg_signature`, older ones `signature`: both are sent).
Accepted answer: HTTP 2xx, JSON {"msg_signature", "timeStamp", "nonce", "encrypt"} whose
signature checks against the token and whose `encrypt` decrypts to "success"; anything else
counts as not delivered, so the job retries it.
"""

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tack.openapi_compat.events import crypto

if TYPE_CHECKING:
    import httpx  # loaded by the first delivery (~5 MB), not by every server

TIMEOUT_SECONDS = 5.0
MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    token: str
    aes_key: str
    receiver_id: str  # the app key: DingTalk's suffix for an internal app's callbacks


class NotDelivered(Exception):
    """The receiver did not confirm with the encrypted "success"."""


def encrypted_request(target: Target, message: str) -> tuple[dict[str, str], dict[str, str]]:
    timestamp = str(int(time.time() * 1000))
    nonce = crypto.new_nonce()
    encrypt = crypto.encrypt(target.aes_key, target.receiver_id, message)
    sig = crypto.signature(target.token, timestamp, nonce, encrypt)
    params = {"msg_signature": sig, "signature": sig, "timestamp": timestamp, "nonce": nonce}
    return params, {"encrypt": encrypt}


def check_answer(target: Target, response: "httpx.Response") -> None:
    if not 200 <= response.status_code < 300:
        raise NotDelivered(f"HTTP {response.status_code}")
    if len(response.content) > MAX_ANSWER_BYTES:
        raise NotDelivered("answer too large")
    try:
        answer = json.loads(response.content)
        encrypt, timestamp, nonce, sig = (str(answer[k]) for k in ("encrypt", "timeStamp", "nonce", "msg_signature"))
    except (ValueError, KeyError, TypeError):
        raise NotDelivered("answer is not the encrypted JSON form") from None
    if crypto.signature(target.token, timestamp, nonce, encrypt) != sig:
        raise NotDelivered("answer signature does not match the token")
    try:
        plain = crypto.decrypt(target.aes_key, target.receiver_id, encrypt)
    except crypto.CryptoError as exc:
        raise NotDelivered(f"answer does not decrypt: {exc}") from None
    if plain != "success":
        raise NotDelivered("answer is not \"success\"")


async def post(target: Target, payload: dict[str, object]) -> None:
    """Raises NotDelivered (or an httpx error) unless the receiver confirmed."""
    import httpx

    params, body = encrypted_request(target, json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        response = await client.post(target.url, params=params, json=body)
    check_answer(target, response)
