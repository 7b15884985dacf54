"""Flow logic without a database: checking a design against its form, evaluating step
conditions, and removing a person who appears in consecutive steps."""

from dataclasses import dataclass
from typing import Any

from tack.approval.errors import InvalidTemplate
from tack.approval.forms import CONDITION_KINDS, NUMERIC_KINDS, comparable
from tack.approval.schemas import Condition, FieldDef, FlowDef

NUMERIC_OPS = ("gt", "gte", "lt", "lte")


@dataclass(frozen=True, slots=True)
class DesignContext:
    """What the database says about the ids a flow names."""

    active_member_ids: set[int]
    role_members: dict[int, list[int]]  # role id → its active members


def _condition_errors(index: int, cond: Condition, fields: dict[str, FieldDef]) -> list[dict[str, Any]]:
    f = fields.get(cond.field)
    where = {"step": index, "field": cond.field}
    if f is None or f.kind not in CONDITION_KINDS:
        return [{**where, "error": "condition_on_missing_field"}]
    numeric = f.kind in NUMERIC_KINDS
    if numeric:
        if cond.op not in (*NUMERIC_OPS, "eq", "ne") or not isinstance(cond.value, (int, float)):
            return [{**where, "error": "condition_type"}]
        v = float(cond.value)
        # Steps whose condition no valid value can meet never run.
        if (f.max is not None and ((cond.op == "gt" and v >= f.max) or (cond.op == "gte" and v > f.max))) or (
            f.min is not None and ((cond.op == "lt" and v <= f.min) or (cond.op == "lte" and v < f.min))
        ):
            return [{**where, "error": "unreachable_step"}]
        return []
    if cond.op in NUMERIC_OPS:
        return [{**where, "error": "condition_type"}]
    wanted = cond.value if isinstance(cond.value, list) else [cond.value]
    if not all(isinstance(w, str) for w in wanted):
        return [{**where, "error": "condition_type"}]
    if f.kind in ("select", "multiselect") and not any(w in f.options for w in wanted) and cond.op != "ne":
        return [{**where, "error": "unreachable_step"}]
    return []


def check_flow(form: list[FieldDef], flow: FlowDef, ctx: DesignContext) -> None:
    """Errors (422 approval_invalid_template, `errors`): unknown or inactive members, roles
    that are missing or have nobody in them (empty approver sets), conditions on fields the
    form lacks or of the wrong type, and steps no form value can reach."""
    fields = {f.key: f for f in form}
    errors: list[dict[str, Any]] = []
    for i, step in enumerate(flow.steps):
        if step.kind == "members":
            if not step.member_ids:
                errors.append({"step": i, "error": "empty_approvers"})
            missing = sorted(set(step.member_ids) - ctx.active_member_ids)
            if missing:
                errors.append({"step": i, "error": "unknown_members", "member_ids": missing})
        if step.kind == "role":
            if step.role_id is None or step.role_id not in ctx.role_members:
                errors.append({"step": i, "error": "unknown_role"})
            elif not ctx.role_members[step.role_id]:
                errors.append({"step": i, "error": "empty_approvers"})
        if step.condition is not None:
            errors += _condition_errors(i, step.condition, fields)
    for i, cc in enumerate(flow.cc):
        missing = sorted(set(cc.member_ids) - ctx.active_member_ids)
        if missing:
            errors.append({"cc": i, "error": "unknown_members", "member_ids": missing})
        if cc.role_id is not None and cc.role_id not in ctx.role_members:
            errors.append({"cc": i, "error": "unknown_role"})
        if not cc.member_ids and cc.role_id is None:
            errors.append({"cc": i, "error": "empty_cc"})
    if errors:
        raise InvalidTemplate(errors=errors)


def condition_holds(cond: Condition | None, form: list[FieldDef], values: dict[str, Any]) -> bool:
    """A step without a condition always applies; an empty field meets no condition."""
    if cond is None:
        return True
    f = next((f for f in form if f.key == cond.field), None)
    if f is None:
        return False
    have = comparable(f, values.get(cond.field))
    if have is None:
        return False
    want = cond.value
    if isinstance(have, list):
        wanted = want if isinstance(want, list) else [want]
        hit = any(w in have for w in wanted)
        return not hit if cond.op == "ne" else hit
    if cond.op == "in":
        return have in (want if isinstance(want, list) else [want])
    if isinstance(have, float):
        if isinstance(want, (list, str)):
            return False
        w = float(want)
        return {"gt": have > w, "gte": have >= w, "lt": have < w, "lte": have <= w, "eq": have == w, "ne": have != w}[cond.op]
    return {"eq": have == want, "ne": have != want}.get(cond.op, False)


def dedupe_consecutive(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Someone who approves one step is dropped from the step right after it (they already
    said yes); a step left with nobody disappears."""
    out: list[dict[str, Any]] = []
    for step in steps:
        if out:
            before = set(out[-1]["approver_ids"])
            step = {**step, "approver_ids": [m for m in step["approver_ids"] if m not in before]}
        if step["approver_ids"]:
            out.append(step)
    return out
