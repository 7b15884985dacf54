"""Event bodies as DingTalk sends them: `EventType`, `TimeStamp` (ms, a string), `CorpId`, then
the event's own fields (`UserId` / `DeptId` lists for the directory)."""

import time
from datetime import datetime

from tack.approval.hooks import InstanceChanged, TaskChanged
from tack.attendance.hooks import CheckedIn
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


def ms(at: datetime | None) -> int | None:
    return int(at.timestamp() * 1000) if at else None


def approval_instance(event: InstanceChanged) -> dict[str, object]:
    """bpms_instance_change: type start | finish (result agree / refuse) | terminate."""
    body: dict[str, object] = {
        "EventType": "bpms_instance_change", "TimeStamp": now_ms(), "CorpId": corp_id(event.org_id),
        "corpId": corp_id(event.org_id), "processInstanceId": str(event.instance_id),
        "processCode": f"PROC-TACK-{event.template_id}", "title": event.title, "type": event.change,
        "staffId": ids.userid(event.submitter_member_id), "createTime": ms(event.created_at), "url": "",
    }
    if event.change != "start":
        body["finishTime"] = ms(event.finished_at) or int(now_ms())
    if event.change == "finish":
        body["result"] = "agree" if event.status == "approved" else "refuse"
    return body


TASK_RESULTS = {"approved": "agree", "rejected": "refuse", "transferred": "redirect"}


def approval_task(event: TaskChanged) -> dict[str, object]:
    """bpms_task_change: type start | finish (result agree / refuse / redirect, remark) | cancel."""
    body: dict[str, object] = {
        "EventType": "bpms_task_change", "TimeStamp": now_ms(), "CorpId": corp_id(event.org_id),
        "corpId": corp_id(event.org_id), "processInstanceId": str(event.instance_id),
        "processCode": f"PROC-TACK-{event.template_id}", "title": event.title, "type": event.change,
        "staffId": ids.userid(event.member_id), "createTime": ms(event.at),
    }
    if event.change == "finish":
        body["result"] = TASK_RESULTS.get(event.status, event.status)
        body["remark"] = event.comment
        body["finishTime"] = ms(event.at)
    return body


def check_in(events: list[CheckedIn]) -> dict[str, object]:
    """attendance_check_record: DataList with the punches one transaction wrote."""
    return {
        "EventType": "attendance_check_record", "TimeStamp": now_ms(), "CorpId": corp_id(events[0].org_id),
        "DataList": [{
            "bizId": f"tack-{e.record_id}", "corpId": corp_id(e.org_id), "userId": ids.userid(e.member_id),
            "checkTime": ms(e.checked_at), "checkType": "OnDuty" if e.kind == "in" else "OffDuty",
            "groupId": e.group_id, "locationMethod": "ATM" if e.source == "device" else "MAP",
            "locationResult": "Outside" if e.field else "Normal", "deviceId": str(e.device_id or ""),
            "deviceSN": "", "address": "",
        } for e in events],
    }
