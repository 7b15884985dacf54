"""The three security settings of a custom robot, checked as DingTalk checks them."""

import base64
import hashlib
import hmac
import ipaddress
import secrets
import time

from tack.openapi_compat.robots import errors


def new_secret() -> str:
    """A signing secret in DingTalk's form: "SEC" + 64 hex digits (clients sign only with
    secrets that start with "SEC")."""
    return "SEC" + secrets.token_hex(32)


def expected_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check_sign(secret: str, timestamp: str | None, sign: str | None, *, max_age_seconds: int, now: float | None = None) -> None:
    """加签: the timestamp (ms) must be within `max_age_seconds` of now, either way, and sign
    must be base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")). A repeated pair is not a
    replay: clients reuse one signature for up to an hour."""
    if not timestamp or not timestamp.isdigit():
        raise errors.invalid_timestamp()
    now = time.time() if now is None else now
    if abs(now * 1000 - int(timestamp)) > max_age_seconds * 1000:
        raise errors.invalid_timestamp()
    if not sign:
        raise errors.sign_not_match()
    # A "+" the client did not percent-encode arrives decoded as a space.
    given = sign.replace(" ", "+")
    if not hmac.compare_digest(given.encode(), expected_sign(secret, timestamp).encode()):
        raise errors.sign_not_match()


def check_keywords(keywords: list[str], words: list[str]) -> None:
    """自定义关键词: at least one keyword appears in the message's text (titles included)."""
    if not keywords:
        return
    if not any(k and k in w for k in keywords for w in words):
        raise errors.keywords_not_in_content()


def normalize_allowlist(entries: list[str]) -> list[str]:
    """Addresses and CIDR ranges, as written by an admin; raises ValueError on a bad one."""
    out = []
    for entry in entries:
        entry = entry.strip()
        if entry:
            out.append(str(ipaddress.ip_network(entry, strict=False)))
    return out


def check_ip(allowlist: list[str], ip: str | None) -> None:
    """IP地址（段）: the caller's address is in one of the ranges."""
    if not allowlist:
        return
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        raise errors.ip_not_allowed(ip or "unknown") from None
    if not any(address in ipaddress.ip_network(net, strict=False) for net in allowlist):
        raise errors.ip_not_allowed(str(address))
