"""How a clock-in device signs its requests (stdlib hmac; nothing here to invent).

    X-Tack-Device:    the device's serial number
    X-Tack-Timestamp: Unix seconds when the request was made
    X-Tack-Signature: hex HMAC-SHA256 over "{timestamp}\\n{raw body}" with the device secret

The timestamp must be within 5 minutes of the server's clock (replays of an old request are
refused); the punch times inside a signed batch may be old (offline records)."""

import hashlib
import hmac
import secrets

MAX_REQUEST_AGE_SECONDS = 300


def new_secret() -> str:
    return secrets.token_hex(24)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature.strip().lower())
