"""DingTalk's shapes of approvals, both ways: process codes, form_component_values ↔ Tack's form
values, an instance as `process_instance` (TOP / topapi) and as /v1.0's `result`.

Pure translation: no database, no decisions (those are approval's).

- process_code: "PROC-TACK-<template id>" (DingTalk's codes are opaque "PROC-..." strings).
- process_instance_id: the instance id as a string.
- Values come as strings, the way DingTalk clients send them: a date range as a JSON list
  `["2026-12-07 上午", "2026-12-08 下午"]` (or "AM"/"PM", or a time: before 12:00 is the morning),
  multi-select as a JSON list, members as userids (JSON list or comma-joined), departments as
  ids (1 = the root), a table as `[[{"name": column, "value": ...}, ...], ...]`, invoices as a
  JSON list of {code, number, date, amount}. Attachments and pictures need a media upload,
  which Tack does not offer on this API yet: they are refused.
"""

import json
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tack.approval.schemas import ColumnDef, FieldDef, InstanceRead
from tack.openapi_compat.contact import ids

_CODE = re.compile(r"^PROC-TACK-([0-9]{1,15})$")

COMPONENT_TYPES = {
    "text": "TextField", "long_text": "TextareaField", "number": "NumberField", "money": "MoneyField",
    "date": "DDDateField", "time": "TimeField", "daterange": "DDDateRangeField", "select": "DDSelectField",
    "multiselect": "DDMultiSelectField", "member": "InnerContactField", "department": "DepartmentField",
    "attachment": "DDAttachment", "image": "DDPhotoField", "table": "TableField", "invoice": "InvoiceField",
}

# Tack status → (DingTalk status, result)
STATUS = {
    "running": ("RUNNING", ""),
    "approved": ("COMPLETED", "agree"),
    "rejected": ("COMPLETED", "refuse"),
    "withdrawn": ("TERMINATED", ""),
    "revoked": ("CANCELED", "agree"),
}
# Tack task state → (task_status, task_result)
TASK_STATUS = {
    "pending": ("RUNNING", "NONE"),
    "approved": ("COMPLETED", "AGREE"),
    "rejected": ("COMPLETED", "REFUSE"),
    "transferred": ("COMPLETED", "REDIRECTED"),
    "returned": ("CANCELED", "NONE"),
    "cancelled": ("CANCELED", "NONE"),
}
# timeline action → (operation_type, operation_result)
OPERATIONS = {
    "submit": ("START_PROCESS_INSTANCE", "NONE"),
    "approve": ("EXECUTE_TASK_NORMAL", "AGREE"),
    "reject": ("EXECUTE_TASK_NORMAL", "REFUSE"),
    "transfer": ("REDIRECT_TASK", "NONE"),
    "add_approver": ("APPEND_TASK", "NONE"),
    "return": ("REDIRECT_PROCESS", "NONE"),
    "comment": ("ADD_REMARK", "NONE"),
    "withdraw": ("TERMINATE_PROCESS_INSTANCE", "NONE"),
    "revoke": ("TERMINATE_PROCESS_INSTANCE", "NONE"),
    "cc": ("PROCESS_CC", "NONE"),
}


class BadValue(ValueError):
    """A value that cannot be read: the message says which control and why."""


def process_code(template_id: int) -> str:
    return f"PROC-TACK-{template_id}"


def template_id_of(code: str) -> int | None:
    match = _CODE.match(code.strip())
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def instance_id_of(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and len(value) <= 15 and int(value) > 0 else None


# --- in: form_component_values → Tack values ------------------------------------------------


def _list(value: Any, name: str) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                raise BadValue(f"{name}: 不是合法的 JSON 列表") from None
            if isinstance(parsed, list):
                return parsed
            raise BadValue(f"{name}: 不是列表")
        return [p.strip() for p in text.split(",") if p.strip()]
    raise BadValue(f"{name}: 不是列表")


def _number(value: Any, name: str) -> int | float:
    if isinstance(value, bool):
        raise BadValue(f"{name}: 不是数字")
    if isinstance(value, (int, float)):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        raise BadValue(f"{name}: 不是数字") from None
    return int(number) if number.is_integer() and "." not in str(value) else number


def _half(part: str, *, end: bool) -> str | None:
    part = part.strip().upper()
    if not part:
        return None
    if part in ("上午", "AM"):
        return "am"
    if part in ("下午", "PM"):
        return "pm"
    match = re.match(r"^(\d{1,2}):(\d{2})", part)
    if match:
        minutes = int(match.group(1)) * 60 + int(match.group(2))
        return ("am" if minutes <= 12 * 60 else "pm") if end else ("am" if minutes < 12 * 60 else "pm")
    raise BadValue("不能识别的时间")


def _daterange(f: FieldDef, value: Any, name: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    items = _list(value, name)
    if len(items) < 2 or not all(isinstance(i, str) for i in items[:2]):
        raise BadValue(f"{name}: 应为 [开始, 结束]")
    out: dict[str, Any] = {}
    for key, raw, end in (("start", items[0], False), ("end", items[1], True)):
        day, _, rest = raw.strip().partition(" ")
        out[key] = day
        try:
            half = _half(rest, end=end)
        except BadValue:
            raise BadValue(f"{name}: 不能识别的时间 {raw}") from None
        if f.half_day and half:
            out[f"{key}_half"] = half
    return out


def _cell(c: ColumnDef, value: Any, name: str) -> Any:
    if value is None or value == "":
        return None
    if c.kind == "number":
        return _number(value, name)
    if c.kind == "date":
        return str(value).strip()[:10]
    return str(value) if not isinstance(value, str) else value


def _table(f: FieldDef, value: Any, name: str) -> list[dict[str, Any]]:
    rows = _list(value, name) if not isinstance(value, str) or value.strip().startswith("[") else None
    if rows is None:
        raise BadValue(f"{name}: 明细应为 JSON 列表")
    by_name = {c.label: c for c in f.columns} | {c.key: c for c in f.columns}
    out = []
    for row in rows:
        if isinstance(row, dict):
            row = [{"name": k, "value": v} for k, v in row.items()]
        if not isinstance(row, list):
            raise BadValue(f"{name}: 每行应为 [{{name, value}}]")
        cleaned: dict[str, Any] = {}
        for cell in row:
            if not isinstance(cell, dict) or "name" not in cell:
                raise BadValue(f"{name}: 每格应为 {{name, value}}")
            column = by_name.get(str(cell["name"]))
            if column is None:
                raise BadValue(f"{name}: 没有名为 {cell['name']} 的列")
            v = _cell(column, cell.get("value"), f"{name}.{cell['name']}")
            if v is not None:
                cleaned[column.key] = v
        out.append(cleaned)
    return out


def _one(f: FieldDef, value: Any, root_department_id: int) -> Any:
    name = f.label
    kind = f.kind
    if kind in ("text", "long_text", "select", "time"):
        return value if isinstance(value, str) else str(value)
    if kind == "money":
        return str(value).strip()
    if kind == "number":
        return _number(value, name)
    if kind == "date":
        return str(value).strip()[:10]
    if kind == "daterange":
        return _daterange(f, value, name)
    if kind == "multiselect":
        return [str(v) for v in _list(value, name)]
    if kind == "member":
        out = []
        for v in _list(value, name):
            member = ids.member_id_of(str(v))
            if member is None:
                raise BadValue(f"{name}: 不合法的 userid {v}")
            out.append(member)
        return out
    if kind == "department":
        out = []
        for v in _list(value, name):
            text = str(v).strip()
            if not text.isdigit() or len(text) > 15:
                raise BadValue(f"{name}: 不合法的部门 id {v}")
            out.append(ids.internal_department(int(text), root_department_id))
        return out
    if kind == "table":
        return _table(f, value, name)
    if kind == "invoice":
        return _list(value, name) if not isinstance(value, str) or value.strip().startswith("[") else [value]
    raise BadValue(f"{name}: 附件与图片需先上传文件，本服务器的开放接口尚不支持")


def values_in(form: list[FieldDef], components: Any, root_department_id: int) -> dict[str, Any]:
    """`[{"name": label (or "id": key), "value": ...}]` → Tack's values (checked again by approval)."""
    if components is None:
        return {}
    if isinstance(components, dict):
        components = [{"name": k, "value": v} for k, v in components.items()]
    if not isinstance(components, list):
        raise BadValue("form_component_values 应为列表")
    by_label = {f.label: f for f in form}
    by_key = {f.key: f for f in form}
    out: dict[str, Any] = {}
    for item in components:
        if not isinstance(item, dict):
            raise BadValue("form_component_values 的每一项应为 {name, value}")
        label = item.get("name")
        f = by_label.get(str(label)) if label is not None else None
        if f is None and item.get("id") is not None:
            f = by_key.get(str(item["id"]))
        if f is None:
            raise BadValue(f"表单中没有名为 {label if label is not None else item.get('id')} 的控件")
        value = item.get("value")
        if value is None or value == "":
            continue
        out[f.key] = _one(f, value, root_department_id)
    return out


# --- out: an instance in DingTalk's shapes --------------------------------------------------


def _text(f: FieldDef, value: Any) -> str:
    if value is None:
        return ""
    kind = f.kind
    if kind == "daterange":
        start, end = value["start"], value["end"]
        if f.half_day:
            start += " " + ("上午" if value.get("start_half", "am") == "am" else "下午")
            end += " " + ("上午" if value.get("end_half", "pm") == "am" else "下午")
        return json.dumps([start, end, value.get("days"), "day"], ensure_ascii=False)
    if kind in ("member", "department"):
        return ",".join(str(v) for v in value)
    if kind == "table":
        labels = {c.key: c.label for c in f.columns}
        return json.dumps([[{"name": labels.get(k, k), "value": v} for k, v in row.items()] for row in value], ensure_ascii=False)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def components_out(read: InstanceRead) -> list[dict[str, Any]]:
    return [
        {"id": f.key, "name": f.label, "value": _text(f, read.values.get(f.key)), "component_type": COMPONENT_TYPES[f.kind]}
        for f in read.form
    ]


def clock(at: datetime | None, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if at else ""


def _tasks(read: InstanceRead) -> list[dict[str, Any]]:
    out = []
    for step in read.steps:
        for person in step.approvers:
            state = step.states.get(person.id)
            if state is None:
                continue
            status, result = TASK_STATUS.get(state, ("CANCELED", "NONE"))
            out.append({"userid": ids.userid(person.id), "task_status": status, "task_result": result,
                        "taskid": f"{read.id}{step.index:03d}{person.id}", "activity_id": f"step{step.index}"})
    return out


def _operations(read: InstanceRead, tz: ZoneInfo) -> list[dict[str, Any]]:
    out = []
    for entry in read.timeline:
        known = OPERATIONS.get(entry.action)
        if known is None:
            continue
        who = entry.member.id if entry.member else read.submitter.id
        out.append({"userid": ids.userid(who), "date": clock(entry.created_at, tz), "operation_type": known[0],
                    "operation_result": known[1], "remark": entry.comment})
    return out


def process_instance(read: InstanceRead, tz: ZoneInfo, department_id: int | None) -> dict[str, Any]:
    """The old shape (`dingtalk.smartwork.bpms.processinstance.get`, /topapi/processinstance/get)."""
    status, result = STATUS[read.status]
    approvers = list(dict.fromkeys(p.id for s in read.steps for p in s.approvers))
    return {
        "process_instance_id": str(read.id),
        "process_code": process_code(read.template_id),
        "title": read.title,
        "status": status,
        "result": result,
        "business_id": str(read.id),
        "originator_userid": ids.userid(read.submitter.id),
        "originator_dept_id": str(department_id if department_id is not None else -1),
        "create_time": clock(read.created_at, tz),
        "finish_time": clock(read.finished_at, tz),
        "form_component_values": components_out(read),
        "operation_records": _operations(read, tz),
        "tasks": _tasks(read),
        "cc_userid_list": [ids.userid(p.id) for p in read.cc],
        "approver_userid_list": [ids.userid(m) for m in approvers],
        "biz_action": "NONE",
    }


def v1_instance(read: InstanceRead, tz: ZoneInfo, department_id: int | None) -> dict[str, Any]:
    """/v1.0/workflow/processInstances: camelCase, times in ISO 8601 with the offset."""
    old = process_instance(read, tz, department_id)

    def iso(at: datetime | None) -> str | None:
        return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ") if at else None

    return {
        "title": read.title,
        "status": old["status"],
        "result": old["result"],
        "businessId": old["business_id"],
        "processCode": old["process_code"],
        "originatorUserId": old["originator_userid"],
        "originatorDeptId": old["originator_dept_id"],
        "createTime": iso(read.created_at),
        "finishTime": iso(read.finished_at),
        "bizAction": "NONE",
        "ccUserIds": old["cc_userid_list"],
        "approverUserIds": old["approver_userid_list"],
        "formComponentValues": [
            {"id": c["id"], "name": c["name"], "value": c["value"], "componentType": c["component_type"]}
            for c in old["form_component_values"]
        ],
        "operationRecords": [
            {"userId": o["userid"], "date": o["date"], "type": o["operation_type"], "result": o["operation_result"],
             "remark": o["remark"]}
            for o in old["operation_records"]
        ],
        "tasks": [
            {"taskId": int(t["taskid"]), "userId": t["userid"], "status": t["task_status"], "result": t["task_result"],
             "activityId": t["activity_id"]}
            for t in old["tasks"]
        ],
    }
