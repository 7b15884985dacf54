"""Event bodies as DingTalk sends them: `EventType`, `TimeStamp` (ms, a string), `CorpId`, then
the event's own fields (`UserId` / `DeptId` lists for the directory)."""

import time

from tack.openapi_compat.contact import ids


def corp_id(org_id: int) -> str:
    """The organization's DingTalk corpId. DingTalk's start with "ding"; ours say whose they are."""
    return f"dingtack{org_id}"


def now_ms() -> str:
    return str(int(time.time() * 1000))


def users(event_type: str, org_id: int, member_ids: tuple[int, ...]) -> dict[str, object]:
    return {"EventType": event_type, "TimeStamp": now_ms(), "CorpId": corp_id(org_id),
            "UserId": [ids.userid(m) for m in member_ids]}


def departments(event_type: str, org_id: int, department_ids: list[int]) -> dict[str, object]:
    return {"EventType": event_type, "TimeStamp": now_ms(), "CorpId": corp_id(org_id), "DeptId": department_ids}


def check_url() -> dict[str, object]:
    return {"EventType": "check_url"}
