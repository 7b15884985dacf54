"""Creating an approval instance for an app: DingTalk's parameters read into approval's own
submit (tack.approval.actions.instances.check_submit), on behalf of the originator.

- The originator must be an active member of the app's org who may use the template (its
  visibility applies, as in the web client); `dept_id` must be one of their departments, the
  root (1) or -1.
- `approvers` (comma-joined userids: one step each, in order) or `approvers_v2`
  ([{"task_action_type": "AND" | "OR" | "NONE", "user_ids": [...]}]) replace the template's
  steps; `cc_list` with `cc_position` START | FINISH | START_FINISH adds CC to the template's.
"""

from typing import Any

from pydantic import ValidationError

from tack.approval.actions.instances import check_submit
from tack.approval.errors import InvalidForm, NeedsChoice
from tack.approval.schemas import ExplicitFlow, ExplicitStep, FieldDef, SubmitBody
from tack.directory.queries import member_department_ids
from tack.openapi_compat.approvals import queries, wire
from tack.openapi_compat.contact import ids
from tack.openapi_compat.params import Params
from tack.openapi_compat.tokens import AppCaller
from tack.storage.uow import UnitOfWork

MAX_APPROVERS = 20
CC_POSITIONS = {"": "finish", "START": "submit", "FINISH": "finish", "START_FINISH": "both"}
ACTION_TYPES = {"AND": "all", "OR": "any", "NONE": "any"}


def _members(params: Params, name: str, values: list[Any]) -> list[int]:
    out = []
    for v in values:
        member = ids.member_id_of(str(v))
        if member is None:
            raise params.invalid(name, f"不合法的 userid {v}")
        out.append(member)
    return out


def explicit_flow(params: Params, names: dict[str, str]) -> ExplicitFlow | None:
    """`names` maps DingTalk's parameter names to the caller's style (snake_case or camelCase)."""
    steps: list[ExplicitStep] = []
    v2 = params.json_value(names["approvers_v2"])
    if v2:
        if not isinstance(v2, list) or len(v2) > MAX_APPROVERS:
            raise params.invalid(names["approvers_v2"], "应为不超过 20 项的列表")
        for node in v2:
            if not isinstance(node, dict):
                raise params.invalid(names["approvers_v2"], "每一项应为 {task_action_type, user_ids}")
            action = str(node.get("task_action_type", node.get("actionType", "NONE"))).upper()
            people = node.get("user_ids", node.get("userIds"))
            if action not in ACTION_TYPES or not isinstance(people, list) or not people or len(people) > MAX_APPROVERS:
                raise params.invalid(names["approvers_v2"], "task_action_type 为 AND/OR/NONE，user_ids 为 1 到 20 个 userid")
            steps.append(ExplicitStep(mode=ACTION_TYPES[action], member_ids=_members(params, names["approvers_v2"], people)))  # type: ignore[arg-type]
    else:
        approvers = params.str_list(names["approvers"], max_items=MAX_APPROVERS)
        steps = [ExplicitStep(member_ids=[m]) for m in _members(params, names["approvers"], approvers)]
    cc = _members(params, names["cc_list"], params.str_list(names["cc_list"], max_items=50))
    position = params.text(names["cc_position"], max_length=20).upper()
    if position not in CC_POSITIONS:
        raise params.invalid(names["cc_position"], "应为 START、FINISH 或 START_FINISH")
    if not steps and not cc:
        return None
    return ExplicitFlow(steps=steps, cc_member_ids=cc, cc_on=CC_POSITIONS[position])  # type: ignore[arg-type]


SNAKE = {"process_code": "process_code", "originator_user_id": "originator_user_id", "dept_id": "dept_id",
         "form_component_values": "form_component_values", "approvers": "approvers", "approvers_v2": "approvers_v2",
         "cc_list": "cc_list", "cc_position": "cc_position"}
CAMEL = {"process_code": "processCode", "originator_user_id": "originatorUserId", "dept_id": "deptId",
         "form_component_values": "formComponentValues", "approvers": "approvers", "approvers_v2": "approvers",
         "cc_list": "ccList", "cc_position": "ccPosition"}


async def check_create_instance(uow: UnitOfWork, caller: AppCaller, params: Params, names: dict[str, str] = SNAKE) -> int:
    """Returns the new instance's id. Errors: missing / invalid parameters in the caller's style;
    unknown originator (60121), unknown or unusable template, form errors and the rest from
    approval (translated by errors.py)."""
    code = params.text(names["process_code"], required=True, max_length=64)
    originator = params.text(names["originator_user_id"], required=True, max_length=64)
    department = params.integer(names["dept_id"], default=-1, low=-1) if params.has(names["dept_id"]) else -1
    explicit = explicit_flow(params, names)
    session = uow.session
    actor = await queries.member_actor(session, caller, originator)
    template = await queries.template_form(session, actor, code)
    root = await queries.root_department_id(session, caller)
    if department not in (-1, ids.ROOT, root) and department not in (await member_department_ids(session, caller.org_id, [actor.member_id or 0])).get(actor.member_id or 0, []):
        raise params.invalid(names["dept_id"], "发起人不在该部门")
    form = [FieldDef.model_validate(f) for f in template.form]
    try:
        values = wire.values_in(form, params.json_value(names["form_component_values"]), root)
    except wire.BadValue as exc:
        raise params.invalid(names["form_component_values"], str(exc)) from None
    try:
        body = SubmitBody(template_id=template.id, values=values)
    except ValidationError:
        raise params.invalid(names["form_component_values"]) from None
    try:
        read = await check_submit(uow, actor, body, explicit=explicit)
    except InvalidForm as exc:
        labels = {f.key: f.label for f in form}
        problems = "; ".join(f"{labels.get(e.get('field', ''), e.get('field', ''))}: {e.get('error')}" for e in exc.detail.get("errors", []))
        raise params.invalid(names["form_component_values"], problems or exc.message) from None
    except NeedsChoice:
        raise params.invalid(names["approvers"], "该审批模板需要发起人自选审批人，请传入审批人") from None
    return read.id
