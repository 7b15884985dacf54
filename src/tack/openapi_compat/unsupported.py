"""DingTalk APIs whose Tack domain is not in yet (attendance, approvals, DING, legacy message
send): each answers DingTalk's "not found" form, never a 500 and never a token code that would
make a client refresh and retry forever. When a domain lands, its compat routes replace the
entries here (delete them from this file)."""

from typing import Any

from fastapi import APIRouter

from tack.openapi_compat import errors

router = APIRouter(tags=["dingtalk"])

NOT_YET: list[tuple[str, str, str]] = [
    # method, path, what
    ("POST", "/topapi/attendance/getupdatedata", "attendance"),
    ("POST", "/message/send", "legacy message/send (use asyncsend_v2)"),
    ("POST", "/topapi/message/corpconversation/recall", "work notification recall"),
    ("GET", "/user/get_admin", "admin list"),
    ("GET", "/get_jsapi_ticket", "JSAPI tickets"),
    ("POST", "/media/upload", "media upload"),
]


def _stub(what: str):  # type: ignore[no-untyped-def]
    async def not_yet() -> dict[str, Any]:
        raise errors.not_supported(what)

    return not_yet


for _method, _path, _what in NOT_YET:
    router.add_api_route(_path, _stub(_what), methods=[_method], name=f"not_yet_{_path}", include_in_schema=False)
