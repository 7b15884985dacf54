"""DingTalk work-notification bodies (`msg`) turned into chat messages.

Supported msgtypes: text, markdown, link, action_card, oa. image / file / voice refer to media
uploaded through /media/upload, which Tack does not offer yet: refused as invalid.
Every text is cut to chat's limits rather than refused, except an empty message.
"""

from typing import Any

from tack.core.errors import BadRequest

MAX_TEXT = 5000
MAX_TITLE = 128
MAX_BUTTONS = 6
MAX_BUTTON_TITLE = 32
MAX_URL = 2000
SUPPORTED = ("text", "markdown", "link", "action_card", "oa")


class WorkNoticeInvalid(BadRequest):
    code = "work_notice_invalid"
    message = "The work notification body is not valid"


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _button(title: Any, url: Any) -> dict[str, str] | None:
    title, url = _text(title, MAX_BUTTON_TITLE).strip(), _text(url, MAX_URL).strip()
    if not title:
        return None
    return {"title": title, "url": url, "action": ""}


def to_chat(msg: Any, app_name: str) -> tuple[str, str, dict[str, Any]]:
    """(DingTalk msgtype, chat kind, chat content) of a work notification's `msg`."""
    if not isinstance(msg, dict):
        raise WorkNoticeInvalid("msg must be a JSON object")
    msgtype = msg.get("msgtype")
    if msgtype not in SUPPORTED:
        raise WorkNoticeInvalid(f"msgtype must be one of {', '.join(SUPPORTED)}", msgtype=str(msgtype)[:32])
    body = msg.get(msgtype)
    if not isinstance(body, dict):
        raise WorkNoticeInvalid(f"msg.{msgtype} must be an object")
    kind, content = _convert(msgtype, body)
    if not (content.get("text") or content.get("title")):
        raise WorkNoticeInvalid("The message is empty")
    content["app"] = app_name
    return msgtype, kind, content


def _convert(msgtype: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if msgtype == "text":
        return "text", {"text": _text(body.get("content"), MAX_TEXT)}
    if msgtype == "markdown":
        return "markdown", {"title": _text(body.get("title"), MAX_TITLE), "text": _text(body.get("text"), MAX_TEXT)}
    if msgtype == "link":
        button = _button("查看详情", body.get("messageUrl"))
        return "card", {
            "title": _text(body.get("title"), MAX_TITLE),
            "text": _text(body.get("text"), MAX_TEXT),
            "buttons": [button] if button and button["url"] else [],
        }
    if msgtype == "action_card":
        buttons: list[dict[str, str]] = []
        if body.get("single_title"):
            single = _button(body.get("single_title"), body.get("single_url"))
            buttons = [single] if single else []
        elif isinstance(body.get("btn_json_list"), list):
            for item in body["btn_json_list"][:MAX_BUTTONS]:
                if isinstance(item, dict) and (b := _button(item.get("title"), item.get("action_url"))):
                    buttons.append(b)
        return "card", {
            "title": _text(body.get("title"), MAX_TITLE),
            "text": _text(body.get("markdown"), MAX_TEXT),
            "buttons": buttons,
        }
    # oa: a head, a body with a title, content and key/value form rows, and a link.
    head = body.get("head") if isinstance(body.get("head"), dict) else {}
    inner = body.get("body") if isinstance(body.get("body"), dict) else {}
    lines = [_text(inner.get("content"), MAX_TEXT)]
    for row in inner.get("form") or []:
        if isinstance(row, dict):
            lines.append(f"{_text(row.get('key'), 100)}{_text(row.get('value'), 500)}")
    if inner.get("author"):
        lines.append(_text(inner.get("author"), 100))
    button = _button("查看详情", body.get("message_url") or body.get("pc_message_url"))
    return "card", {
        "title": _text(inner.get("title") or head.get("text"), MAX_TITLE),
        "text": "\n".join(line for line in lines if line)[:MAX_TEXT],
        "buttons": [button] if button and button["url"] else [],
    }
