"""Turning a flow design into the people of one request, at submit time (and for the
preview shown before submitting). What the directory says at that moment is frozen into
the instance's plan: later changes to managers or roles do not move running requests."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tack.approval.flows import condition_holds, dedupe_consecutive
from tack.approval.repository import RoleRepository
from tack.approval.schemas import FieldDef, FlowDef, StepDef
from tack.directory.queries import admin_member_ids, department_manager_levels, manager_chain, member_contacts


@dataclass(slots=True)
class Resolved:
    steps: list[dict[str, Any]]
    cc_on_submit: list[int]
    cc_on_finish: list[int]
    needs_choice: list[int] = field(default_factory=list)


async def _active(session: AsyncSession, org_id: int, ids: list[int]) -> list[int]:
    found = await member_contacts(session, org_id, ids)
    return [i for i in dict.fromkeys(ids) if i in found and found[i].active]


async def _role_members(session: AsyncSession, org_id: int, role_id: int | None) -> list[int]:
    role = await RoleRepository(session, org_id).get(role_id) if role_id else None
    return await _active(session, org_id, list(role.member_ids)) if role else []


async def _step_people(
    session: AsyncSession, org_id: int, submitter: int, index: int, step: StepDef, chosen: dict[str, list[int]]
) -> tuple[list[int], str]:
    """Approvers of one step and where they came from.

    - The submitter never approves their own request: they are left out of every step.
    - manager: the level-th direct manager (汇报线); when the line is shorter, the org's admins.
    - department_manager: managers of the level-th department above the submitter that has
      a manager other than the submitter (empty levels are skipped); past the root, the
      org's admins.
    """
    if step.kind == "members":
        people, source = await _active(session, org_id, list(step.member_ids)), "members"
    elif step.kind == "role":
        people, source = await _role_members(session, org_id, step.role_id), f"role:{step.role_id}"
    elif step.kind == "submitter_choice":
        people, source = await _active(session, org_id, list(chosen.get(str(index), []))), "submitter_choice"
    elif step.kind == "manager":
        chain = await manager_chain(session, org_id, submitter, step.level)
        if len(chain) >= step.level:
            people, source = [chain[step.level - 1]], f"manager:{step.level}"
        else:
            people, source = await admin_member_ids(session, org_id), "fallback_admins"
    else:
        levels = [[m for m in lv if m != submitter] for lv in await department_manager_levels(session, org_id, submitter)]
        filled = [lv for lv in levels if lv]
        if len(filled) >= step.level:
            people, source = filled[step.level - 1], f"department_manager:{step.level}"
        else:
            people, source = await admin_member_ids(session, org_id), "fallback_admins"
    return [p for p in people if p != submitter], source


async def resolve_flow(
    session: AsyncSession,
    org_id: int,
    submitter: int,
    form: list[FieldDef],
    flow: FlowDef,
    values: dict[str, Any],
    chosen: dict[str, list[int]],
) -> Resolved:
    """Steps whose condition holds, each with its approvers; a step left with nobody (say,
    the submitter was its only approver) is skipped; then consecutive duplicates go."""
    steps: list[dict[str, Any]] = []
    needs: list[int] = []
    for i, step in enumerate(flow.steps):
        if not condition_holds(step.condition, form, values):
            continue
        if step.kind == "submitter_choice" and not [m for m in chosen.get(str(i), []) if m != submitter]:
            needs.append(i)  # choosing only yourself is no choice: the step would vanish
        people, source = await _step_people(session, org_id, submitter, i, step, chosen)
        steps.append({"name": step.name, "mode": step.mode, "approver_ids": people, "source": source, "template_step": i})
    cc_submit: list[int] = []
    cc_finish: list[int] = []
    for cc in flow.cc:
        people = await _active(session, org_id, list(cc.member_ids))
        people += await _role_members(session, org_id, cc.role_id)
        if cc.on in ("submit", "both"):
            cc_submit += people
        if cc.on in ("finish", "both"):
            cc_finish += people
    return Resolved(
        steps=dedupe_consecutive(steps),
        cc_on_submit=list(dict.fromkeys(p for p in cc_submit if p != submitter)),
        cc_on_finish=list(dict.fromkeys(p for p in cc_finish if p != submitter)),
        needs_choice=needs,
    )
