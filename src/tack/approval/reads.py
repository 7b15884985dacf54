"""Building read shapes from rows (shared by queries and actions)."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tack.approval.access import InstanceAccess
from tack.approval.models import ApprovalInstance, ApprovalTask, ApprovalTemplate, ApprovalTemplateVersion
from tack.approval.repository import (
    CcRepository,
    EventRepository,
    FileRepository,
    PaymentRepository,
    TaskRepository,
    TemplateRepository,
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


async def names(session: AsyncSession, org_id: int, ids: set[int]) -> dict[int, str]:
    return {i: c.name for i, c in (await member_cards(session, org_id, ids)).items()}


def _person(i: int, known: dict[int, str]) -> PersonRead:
    return PersonRead(id=i, name=known.get(i, ""))


def _summary(i: ApprovalInstance, known: dict[int, str], task_id: int | None = None) -> InstanceSummary:
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
    session: AsyncSession, org_id: int, instances: list[ApprovalInstance], task_ids: list[int | None] | None = None
) -> list[InstanceSummary]:
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
    i = access.instance
    org_id = i.org_id
    template = await TemplateRepository(session, org_id).get(i.template_id)
    version = await VersionRepository(session, org_id).get(i.version_id)
    assert template is not None and version is not None
    tasks = await TaskRepository(session, org_id).of_instance(i.id)
    events = await EventRepository(session, org_id).of_instance(i.id)
    cc = await CcRepository(session, org_id).of_instance(i.id)
    files = await FileRepository(session, org_id).of_instance(i.id)
    payment = await PaymentRepository(session, org_id).of_instance(i.id)
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
        template_name=template.name,
        version=version.version,
        form=[FieldDef.model_validate(f) for f in version.form],
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
