"""DingTalk robot message bodies → chat messages.

| msgtype    | chat kind | content                                                           |
|------------|-----------|-------------------------------------------------------------------|
| text       | text      | {text}                                                            |
| markdown   | markdown  | {title, text}                                                     |
| link       | card      | {format: link, title, text, url, pic_url, buttons: []}            |
| actionCard | card      | {format: actionCard, title, text, buttons: [{title, url}], btn_orientation} |
| feedCard   | card      | {format: feedCard, title (first link's), text: "", links: [{title, url, pic_url}], buttons: []} |
| image      | card      | {format: image, title: "", text: "", pic_url, buttons: []}         |

Links are stored verbatim (DingtalkChatbot wraps them in dingtalk://dingtalkclient/page/link
?url=...; the web client unwraps that form and opens only http(s) targets). Field names
follow DingTalk's own spelling, which differs per type (messageUrl / messageURL, picUrl /
picURL, singleURL, actionURL).
"""

from dataclasses import dataclass, field
from typing import Any

from tack.openapi_compat.robots import errors

MAX_BUTTONS = 6
MAX_FEED_LINKS = 10
MAX_URL = 2000
MAX_TITLE = 128


@dataclass(slots=True)
class Parsed:
    kind: str
    content: dict[str, Any]
    searchable: str
    at_user_ids: list[str] = field(default_factory=list)
    at_mobiles: list[str] = field(default_factory=list)
    is_at_all: bool = False
    # Every string a keyword may be found in (DingTalk checks the message's own text).
    words: list[str] = field(default_factory=list)


def _obj(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise errors.bad_param(key)
    return value


def _str(obj: dict[str, Any], key: str, *, required: bool = True, limit: int | None = None) -> str:
    value = obj.get(key, "")
    if value is None:
        value = ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise errors.bad_param(key)
    if required and not value.strip():
        raise errors.bad_param(key)
    if limit is not None and len(value) > limit:
        raise errors.too_long(limit)
    return value


def _strings(values: Any, key: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise errors.bad_param(key)
    return [str(v).strip() for v in values if isinstance(v, (str, int)) and str(v).strip()][:100]


def _at(body: dict[str, Any], parsed: Parsed) -> None:
    at = body.get("at") or {}
    if not isinstance(at, dict):
        raise errors.bad_param("at")
    parsed.at_mobiles = _strings(at.get("atMobiles"), "atMobiles")
    parsed.at_user_ids = _strings(at.get("atUserIds"), "atUserIds") + _strings(at.get("atDingtalkIds"), "atDingtalkIds")
    is_at_all = at.get("isAtAll", False)
    parsed.is_at_all = is_at_all is True or (isinstance(is_at_all, str) and is_at_all.lower() == "true")


def parse(body: Any, *, max_text: int) -> Parsed:
    """Validates a webhook body and shapes it as a chat message; raises RobotError."""
    if not isinstance(body, dict):
        raise errors.missing_json()
    msgtype = body.get("msgtype")
    if not isinstance(msgtype, str) or not msgtype:
        raise errors.bad_param("msgtype")
    if msgtype == "text":
        text = _str(_obj(body, "text"), "content", limit=max_text)
        parsed = Parsed("text", {"text": text}, text, words=[text])
    elif msgtype == "markdown":
        md = _obj(body, "markdown")
        title, text = _str(md, "title", limit=MAX_TITLE), _str(md, "text", limit=max_text)
        parsed = Parsed("markdown", {"title": title, "text": text}, f"{title}\n{text}", words=[title, text])
    elif msgtype == "link":
        link = _obj(body, "link")
        title, text = _str(link, "title", limit=MAX_TITLE), _str(link, "text", limit=max_text)
        url = _str(link, "messageUrl", limit=MAX_URL)
        pic = _str(link, "picUrl", required=False, limit=MAX_URL)
        content = {"format": "link", "title": title, "text": text, "url": url, "pic_url": pic, "buttons": []}
        parsed = Parsed("card", content, f"{title}\n{text}", words=[title, text])
    elif msgtype == "actionCard":
        parsed = _action_card(_obj(body, "actionCard"), max_text)
    elif msgtype == "feedCard":
        parsed = _feed_card(_obj(body, "feedCard"))
    elif msgtype == "image":
        pic = _str(_obj(body, "image"), "picURL", limit=MAX_URL)
        parsed = Parsed("card", {"format": "image", "title": "", "text": "", "pic_url": pic, "buttons": []}, "", words=[])
    else:
        raise errors.unknown_msgtype(msgtype)
    if parsed.kind in ("text", "markdown"):
        _at(body, parsed)
    return parsed


def _action_card(card: dict[str, Any], max_text: int) -> Parsed:
    title, text = _str(card, "title", limit=MAX_TITLE), _str(card, "text", limit=max_text)
    buttons: list[dict[str, str]] = []
    btns = card.get("btns")
    if btns:
        if not isinstance(btns, list) or len(btns) > MAX_BUTTONS:
            raise errors.bad_param("btns")
        for btn in btns:
            if not isinstance(btn, dict):
                raise errors.bad_param("btns")
            buttons.append({"title": _str(btn, "title", limit=32), "url": _str(btn, "actionURL", limit=MAX_URL)})
    else:
        buttons.append({"title": _str(card, "singleTitle", limit=32), "url": _str(card, "singleURL", limit=MAX_URL)})
    orientation = "1" if str(card.get("btnOrientation", "0")) == "1" else "0"
    content = {"format": "actionCard", "title": title, "text": text, "buttons": buttons, "btn_orientation": orientation}
    words = [title, text, *(b["title"] for b in buttons)]
    return Parsed("card", content, f"{title}\n{text}", words=words)


def _feed_card(card: dict[str, Any]) -> Parsed:
    links = card.get("links")
    if not isinstance(links, list) or not links or len(links) > MAX_FEED_LINKS:
        raise errors.bad_param("links")
    items = []
    for link in links:
        if not isinstance(link, dict):
            raise errors.bad_param("links")
        items.append(
            {
                "title": _str(link, "title", limit=MAX_TITLE),
                "url": _str(link, "messageURL", limit=MAX_URL),
                "pic_url": _str(link, "picURL", required=False, limit=MAX_URL),
            }
        )
    titles = [i["title"] for i in items]
    content = {"format": "feedCard", "title": titles[0], "text": "", "links": items, "buttons": []}
    return Parsed("card", content, "\n".join(titles), words=titles)
