"""Frames of DingTalk's Stream protocol (reference §5.2, §5.3): text JSON whose `data` is a JSON
*string* (the SDK runs json.loads on it)."""

import json
import time
from typing import Any


def now_ms() -> int:
    return int(time.time() * 1000)


def encode(kind: str, topic: str, message_id: str, data: dict[str, Any], **headers: Any) -> str:
    return json.dumps(
        {
            "specVersion": "1.0",
            "type": kind,
            "headers": {"messageId": message_id, "topic": topic, "contentType": "application/json",
                        "time": str(now_ms()), **headers},
            "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        },
        ensure_ascii=False,
    )


def ack_of(raw: str) -> tuple[str, int] | None:
    """(messageId, code) of a client ack, None for anything else (ignored, never fatal)."""
    try:
        frame = json.loads(raw)
        return str(frame["headers"]["messageId"]), int(frame.get("code", 0))
    except (ValueError, KeyError, TypeError):
        return None


def event_data(payload: dict[str, Any]) -> dict[str, Any]:
    """An event's body over Stream: the callback's fields without EventType (it is a header),
    with DingTalk's lowerCamel names (UserId → userId, TimeStamp → timeStamp)."""
    return {k[:1].lower() + k[1:]: v for k, v in payload.items() if k != "EventType"}
