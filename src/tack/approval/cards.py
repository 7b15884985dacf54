"""The chat card of an approval: a few lines of the form and, for an approver, 同意 / 拒绝
buttons whose actions the web client turns into the approve / reject calls."""

from typing import Any

from tack.approval.forms import table_total
from tack.approval.schemas import FieldDef

HALF = {"am": "上午", "pm": "下午"}
CARD_LINES = 4


def _text(f: FieldDef, value: Any) -> str | None:
    if value is None:
        return None
    if f.kind == "daterange":
        start = value["start"] + (" " + HALF[value["start_half"]] if "start_half" in value else "")
        end = value["end"] + (" " + HALF[value["end_half"]] if "end_half" in value else "")
        return f"{start} ~ {end}（{value['days']:g} 天）"
    if f.kind == "table":
        return f"{len(value)} 项，合计 ¥{table_total(f, value)}"
    if f.kind == "invoice":
        return f"{len(value)} 张发票"
    if f.kind == "money":
        return f"¥{value}"
    if f.kind in ("attachment", "image", "member", "department"):
        return f"{len(value)} 个"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def card_lines(form: list[FieldDef], values: dict[str, Any]) -> str:
    lines = []
    for f in form:
        shown = _text(f, values.get(f.key))
        if shown:
            lines.append(f"**{f.label}**：{shown}")
        if len(lines) >= CARD_LINES:
            break
    return "\n\n".join(lines)


def approver_card(instance_id: int, title: str, lines: str, *, note: str = "") -> dict[str, Any]:
    return {
        "title": f"审批 · {title}",
        "text": (f"{note}\n\n" if note else "") + lines,
        "buttons": [
            {"title": "同意", "url": "", "action": f"approval.approve:{instance_id}"},
            {"title": "拒绝", "url": "", "action": f"approval.reject:{instance_id}"},
            {"title": "查看", "url": "", "action": f"approval.open:{instance_id}"},
        ],
        "approval_id": instance_id,
    }


def info_card(instance_id: int, title: str, lines: str, note: str) -> dict[str, Any]:
    return {
        "title": f"审批 · {title}",
        "text": f"{note}\n\n{lines}",
        "buttons": [{"title": "查看", "url": "", "action": f"approval.open:{instance_id}"}],
        "approval_id": instance_id,
    }
