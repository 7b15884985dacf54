"""Building read shapes from rows (shared by queries and actions)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from tack.approval.access import InstanceAccess
from tack.approval.models import ApprovalInstance, ApprovalTask, ApprovalTemplate, ApprovalTemplateVersion
from tack.approval.repository import (
    CcRepository,
    EventRepository,
    FileRepository,
    PaymentRepository,
    TaskRepository,
    VersionRepository,
)
from tack.approval.schemas import (
    FieldDef,
    FileRead,
    FlowDef,
    FlowPreview,
    InstanceRead,
    InstanceSummary,
    PaymentRead,
    PersonRead,
    StepRead,
    TemplateRead,
    TimelineEntry,
    Visibility,
)
from tack.directory.queries import member_cards
from tack.directory.schemas import MemberCard

FILE_KINDS = ("attachment", "image")


def template_read(t: ApprovalTemplate, v: ApprovalTemplateVersion) -> TemplateRead:
    return TemplateRead(
        id=t.id,
        name=t.name,
        description=t.description,
        kind=t.kind,  # type: ignore[arg-type]
        active=t.active,
        version=v.version,
        version_id=v.id,
        form=[FieldDef.model_validate(f) for f in v.form],
        flow=FlowDef.model_validate(v.flow),
        visibility=Visibility.model_validate(t.visibility or {}),
        updated_at=t.updated_at,
    )


async def cards(session: AsyncSession, org_id: int, ids: set[int] | list[int]) -> dict[int, MemberCard]:
    """member_cards, remembered for the rest of this session (one request or job): an approve
    asks for the same few people's names and accounts five or six times."""
    known: dict[tuple[int, int], MemberCard | None] = session.info.setdefault("approval_member_cards", {})
    missing = {i for i in ids if (org_id, i) not in known}
    if missing:
        found = await member_cards(session, org_id, missing)
        for i in missing:
            known[(org_id, i)] = found.get(i)
    return {i: c for i in ids if (c := known[(org_id, i)]) is not None}


async def names(session: AsyncSession, org_id: int, ids: set[int]) -> dict[int, str]:
    return {i: c.name for i, c in (await cards(session, org_id, ids)).items()}


def _person(i: int, known: dict[int, str]) -> PersonRead:
    return PersonRead(id=i, name=known.get(i, ""))


def _summary(i: ApprovalInstance | Row[Any], known: dict[int, str], task_id: int | None = None) -> InstanceSummary:
    return InstanceSummary(
        id=i.id,
        template_id=i.template_id,
        kind=i.kind,
        title=i.title,
        status=i.status,  # type: ignore[arg-type]
        submitter=_person(i.submitter_member_id, known),
        current_step=i.current_step,
        created_at=i.created_at,
        finished_at=i.finished_at,
        task_id=task_id,
    )


async def summaries(
    session: AsyncSession, org_id: int, instances: Sequence[ApprovalInstance | Row[Any]], task_ids: list[int | None] | None = None
) -> list[InstanceSummary]:
    """List rows, from instances or from rows of the repository's SUMMARY_COLUMNS."""
    known = await names(session, org_id, {i.submitter_member_id for i in instances})
    ids = task_ids or [None] * len(instances)
    return [_summary(i, known, t) for i, t in zip(instances, ids, strict=True)]


def steps_read(plan: list[dict[str, Any]], tasks: list[ApprovalTask], known: dict[int, str]) -> list[StepRead]:
    latest: dict[tuple[int, int], str] = {}
    for t in tasks:  # ordered by id: the last one of a person in a step wins
        latest[(t.step, t.member_id)] = t.status
    out = []
    for index, step in enumerate(plan):
        states = {m: s for (st, m), s in latest.items() if st == index}
        out.append(
            StepRead(
                index=index,
                name=step.get("name", ""),
                mode=step["mode"],
                source=step.get("source", ""),
                approvers=[_person(m, known) for m in step["approver_ids"]],
                states=states,
            )
        )
    return out


def preview_read(steps: list[dict[str, Any]], cc: list[int], needs: list[int], known: dict[int, str]) -> FlowPreview:
    return FlowPreview(steps=steps_read(steps, [], known), cc=[_person(m, known) for m in cc], needs_choice=needs)


async def instance_read(session: AsyncSession, access: InstanceAccess) -> InstanceRead:
    """The request page. CC rows are read only when the timeline has a CC entry (every CC
    added logs one), files only when the form has file fields or a comment carries files,
    the payment only for reimbursements. (No process-wide cache of parsed forms: version
    ids can come back after rows are deleted, on SQLite and after a restore.)"""
    i = access.instance
    org_id = i.org_id
    template_name, version_no, raw_form = await VersionRepository(session, org_id).with_template_name(i.version_id)
    form = [FieldDef.model_validate(f) for f in raw_form]
    tasks = await TaskRepository(session, org_id).of_instance(i.id)
    events = await EventRepository(session, org_id).of_instance(i.id)
    cc = await CcRepository(session, org_id).of_instance(i.id) if any(e.action == "cc" for e in events) else []
    has_files = any(f.kind in FILE_KINDS for f in form) or any((e.detail or {}).get("file_ids") for e in events)
    files = await FileRepository(session, org_id).of_instance(i.id) if has_files else []
    payment = await PaymentRepository(session, org_id).of_instance(i.id) if i.kind == "reimbursement" else None
    people = {i.submitter_member_id, *cc, *(t.member_id for t in tasks), *(e.member_id for e in events if e.member_id)}
    for step in i.plan:
        people |= set(step["approver_ids"])
    known = await names(session, org_id, people)
    mine = [t for t in tasks if t.member_id == access.me and t.status == "pending"]
    can = ["comment"]
    if i.status == "running":
        if mine:
            can += ["approve", "reject", "transfer", "add_approver"]
            if i.current_step > 0:
                can.append("return")
        if access.is_submitter:
            can += ["withdraw", "urge"]
    if i.status == "approved" and access.is_admin:
        can.append("revoke")
    summary = _summary(i, known, mine[0].id if mine else None)
    return InstanceRead(
        **summary.model_dump(),
        template_name=template_name,
        version=version_no,
        form=form,
        values=i.values,
        steps=steps_read(i.plan, tasks, known),
        cc=[_person(m, known) for m in cc],
        timeline=[
            TimelineEntry(
                id=e.id,
                action=e.action,
                member=_person(e.member_id, known) if e.member_id else None,
                step=e.step,
                comment=e.comment,
                detail=e.detail or {},
                created_at=e.created_at,
            )
            for e in events
        ],
        files=[FileRead(id=f.id, name=f.name, size=f.size, content_type=f.content_type, is_image=f.is_image) for f in files],
        payment=PaymentRead(
            status=payment.status,
            amount=payment.amount,
            attempts=payment.attempts,
            last_error=payment.last_error,
            idempotency_key=payment.idempotency_key,
            updated_at=payment.updated_at,
        )
        if payment
        else None,
        effects=i.effects or {},
        can=can,
    )
