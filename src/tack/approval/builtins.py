"""The built-in templates every organization gets: leave (请假), overtime (加班), card
correction (补卡), reimbursement (报销) and general request (通用审批). Their side effects
read fixed field keys, so an admin may edit them but must keep those keys and kinds."""

from typing import Any

from tack.approval.errors import InvalidTemplate
from tack.approval.schemas import FieldDef, TemplateCreate

# Leave types as users pick them (select options) → the code attendance and balances use.
LEAVE_TYPES = {
    "年假": "annual",
    "调休": "compensatory",
    "事假": "personal",
    "病假": "sick",
    "婚假": "marriage",
    "产假": "maternity",
    "陪产假": "paternity",
    "丧假": "bereavement",
}
# Types with a balance per member (deducted on approval, restored on revocation); the others
# are unlimited here (the org's leave policy decides them outside Tack).
TRACKED_LEAVE = ("annual", "compensatory")

# kind → {field key: field kind} the side effects rely on.
REQUIRED_FIELDS: dict[str, dict[str, str]] = {
    "leave": {"leave_type": "select", "period": "daterange"},
    "overtime": {"date": "date", "hours": "number"},
    "card_correction": {"date": "date", "time": "time", "check": "select"},
    "reimbursement": {"items": "table", "invoices": "invoice"},
}
CHECK_OPTIONS = {"上班": "in", "下班": "out"}


def _first_manager(**extra: Any) -> dict[str, Any]:
    return {"name": "主管审批", "kind": "department_manager", "level": 1, "mode": "any", **extra}


def builtin_templates() -> list[TemplateCreate]:
    raw: list[dict[str, Any]] = [
        {
            "name": "请假",
            "kind": "leave",
            "description": "年假、调休、事假、病假等；超过 3 天需上级部门主管审批",
            "form": [
                {"key": "leave_type", "label": "请假类型", "kind": "select", "required": True, "options": list(LEAVE_TYPES)},
                {"key": "period", "label": "请假时间", "kind": "daterange", "required": True, "half_day": True},
                {"key": "reason", "label": "请假事由", "kind": "long_text", "required": True},
                {"key": "images", "label": "图片", "kind": "image"},
            ],
            "flow": {
                "steps": [
                    _first_manager(),
                    {"name": "上级主管审批", "kind": "department_manager", "level": 2, "mode": "any",
                     "condition": {"field": "period", "op": "gt", "value": 3}},
                ],
            },
        },
        {
            "name": "加班",
            "kind": "overtime",
            "description": "加班申请",
            "form": [
                {"key": "date", "label": "加班日期", "kind": "date", "required": True},
                {"key": "hours", "label": "加班时长（小时）", "kind": "number", "required": True, "min": 0.5, "max": 24},
                {"key": "reason", "label": "加班原因", "kind": "long_text", "required": True},
            ],
            "flow": {"steps": [_first_manager()]},
        },
        {
            "name": "补卡",
            "kind": "card_correction",
            "description": "忘记打卡时补卡，通过后修正考勤记录",
            "form": [
                {"key": "date", "label": "补卡日期", "kind": "date", "required": True},
                {"key": "time", "label": "补卡时间", "kind": "time", "required": True},
                {"key": "check", "label": "补卡班次", "kind": "select", "required": True, "options": list(CHECK_OPTIONS)},
                {"key": "reason", "label": "补卡理由", "kind": "long_text", "required": True},
            ],
            "flow": {"steps": [_first_manager()]},
        },
        {
            "name": "报销",
            "kind": "reimbursement",
            "description": "费用报销：明细、发票；通过后发起付款",
            "form": [
                {"key": "items", "label": "报销明细", "kind": "table", "required": True, "columns": [
                    {"key": "item", "label": "费用项目", "kind": "text", "required": True},
                    {"key": "date", "label": "发生日期", "kind": "date"},
                    {"key": "amount", "label": "金额（元）", "kind": "money", "required": True},
                ]},
                {"key": "invoices", "label": "发票", "kind": "invoice"},
                {"key": "note", "label": "备注", "kind": "long_text"},
                {"key": "attachments", "label": "附件", "kind": "attachment"},
            ],
            "flow": {"steps": [_first_manager()]},
        },
        {
            "name": "通用审批",
            "kind": "general",
            "description": "其他事项",
            "form": [
                {"key": "subject", "label": "申请事项", "kind": "text", "required": True},
                {"key": "detail", "label": "详细说明", "kind": "long_text", "required": True},
                {"key": "attachments", "label": "附件", "kind": "attachment"},
            ],
            "flow": {"steps": [_first_manager()]},
        },
    ]
    return [TemplateCreate.model_validate(t) for t in raw]


def check_builtin_fields(kind: str, form: list[FieldDef]) -> None:
    """A built-in template keeps the fields its side effects read."""
    needed = REQUIRED_FIELDS.get(kind, {})
    have = {f.key: f.kind for f in form}
    # Invoices may be left out of a reimbursement; every other built-in field must be filled in.
    must_fill = {f.key for f in form if f.required} | {"invoices"}
    missing = [k for k, v in needed.items() if have.get(k) != v or k not in must_fill]
    if missing:
        raise InvalidTemplate(errors=[{"field": k, "error": "builtin_field_required"} for k in missing])
    if kind == "leave":
        options = next(f.options for f in form if f.key == "leave_type")
        if any(o not in LEAVE_TYPES for o in options):
            raise InvalidTemplate(errors=[{"field": "leave_type", "error": "unknown_leave_type"}])
    if kind == "card_correction":
        options = next(f.options for f in form if f.key == "check")
        if any(o not in CHECK_OPTIONS for o in options):
            raise InvalidTemplate(errors=[{"field": "check", "error": "unknown_check"}])
