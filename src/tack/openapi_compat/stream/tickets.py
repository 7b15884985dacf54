"""Tickets of Stream connections. A ticket is the app's access token (signed, checked like any
token: a disabled app or a rotated secret invalidates it, any node can check it) followed by
the topics the client subscribed to. It lives as long as the token (2 hours); the SDK opens a
new one for every connection anyway."""

import base64
import binascii
import json

MAX_TOPICS = 50
_SEP = "~"


def make(token: str, topics: list[tuple[str, str]]) -> str:
    blob = base64.urlsafe_b64encode(json.dumps(topics, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{token}{_SEP}{blob}"


def parse(ticket: str) -> tuple[str, set[tuple[str, str]]] | None:
    if len(ticket) > 8192 or ticket.count(_SEP) != 1:
        return None
    token, blob = ticket.split(_SEP)
    try:
        raw = json.loads(base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4)))
        topics = {(str(kind), str(topic)) for kind, topic in raw}
    except (ValueError, TypeError, binascii.Error):
        return None
    return token, topics
