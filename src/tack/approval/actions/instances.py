"""Instance writes: submit, approve, reject, transfer, add an approver (加签), return,
withdraw, comment, urge (催办), revoke; and how a step becomes active and an instance ends.

Every decision locks the instance row first (FOR UPDATE on PostgreSQL; SQLite writers are
serialised by BEGIN IMMEDIATE) and then changes a task only while it is still pending, so
of two approvers clicking at once exactly one wins; the other gets 409.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from tack.approval import hooks
from tack.approval.access import InstanceAccess, access_instance_by_id, access_template_by_id, my_member_id
from tack.approval.actions import effects
from tack.approval.errors import (
    BadReturn,
    BadTransfer,
    DuplicateInvoice,
    FileNotFound,
    InvalidForm,
    NeedsChoice,
    NotRevocable,
    NotRunning,
    NotYourTurn,
    SubmitterOnly,
    UrgeTooSoon,
)
from tack.approval.events import EventInstanceUpdate, EventTaskAdd, EventTaskRemove
from tack.approval.forms import Refs, clean_values
from tack.approval.models import ApprovalEvent, ApprovalInstance, ApprovalTask
from tack.approval.reads import cards, instance_read, summaries
from tack.approval.repository import (
    CcRepository,
    EventRepository,
    FileRepository,
    InstanceRepository,
    InvoiceRepository,
    TaskRepository,
)
from tack.approval.resolve import resolve_flow
from tack.approval.schemas import (
    AddApproverBody,
    CommentBody,
    DecisionBody,
    ExplicitFlow,
    FieldDef,
    FlowDef,
    InstanceRead,
    ReturnBody,
    SubmitBody,
    TransferBody,
)
from tack.core.actor import Actor
from tack.core.clock import as_utc, utc_now
from tack.core.errors import BadRequest
from tack.directory.access import org_id_of
from tack.directory.queries import existing_department_ids, member_contacts
from tack.storage.uow import UnitOfWork

URGE_EVERY = timedelta(minutes=10)
REMIND_ROUNDS = 3
NOTIFY_ATTEMPTS = 6


# --- helpers --------------------------------------------------------------------------------


def _log(uow: UnitOfWork, inst: ApprovalInstance, member_id: int | None, action: str, *, step: int | None = None,
         comment: str = "", detail: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    EventRepository(uow.session, inst.org_id).add(
        ApprovalEvent(
            org_id=inst.org_id, instance_id=inst.id, member_id=member_id, action=action, step=step,
            comment=comment, detail=detail or {}, created_at=at or utc_now(),
        )
    )


async def _accounts(uow: UnitOfWork, org_id: int, member_ids: set[int] | list[int]) -> list[int]:
    found = await cards(uow.session, org_id, set(member_ids))
    return [c.account_id for c in found.values() if c.account_id is not None and c.active]


async def _participants(uow: UnitOfWork, inst: ApprovalInstance) -> set[int]:
    tasks = await TaskRepository(uow.session, inst.org_id).of_instance(inst.id)
    cc = await CcRepository(uow.session, inst.org_id).of_instance(inst.id)
    return {inst.submitter_member_id, *(t.member_id for t in tasks), *cc}


async def _announce(uow: UnitOfWork, inst: ApprovalInstance, action: str) -> None:
    """The instance changed: its submitter and everyone with a part see it at once."""
    [summary] = await summaries(uow.session, inst.org_id, [inst])
    accounts = await _accounts(uow, inst.org_id, await _participants(uow, inst))
    uow.publish(EventInstanceUpdate(instance=summary, action=action).to_event(inst.org_id, accounts))


async def _tasks_added(uow: UnitOfWork, inst: ApprovalInstance, member_ids: list[int], reason: str) -> None:
    [summary] = await summaries(uow.session, inst.org_id, [inst])
    uow.publish(EventTaskAdd(instance=summary, reason=reason).to_event(inst.org_id, await _accounts(uow, inst.org_id, member_ids)))


async def _instance_changed(uow: UnitOfWork, inst: ApprovalInstance, change: str) -> None:
    if hooks.has_change_handlers():
        await hooks.emit_change(uow, hooks.InstanceChanged(
            org_id=inst.org_id, instance_id=inst.id, template_id=inst.template_id, title=inst.title,
            submitter_member_id=inst.submitter_member_id, change=change, status=inst.status,
            created_at=inst.created_at, finished_at=inst.finished_at,
        ))


async def _tasks_changed(uow: UnitOfWork, inst: ApprovalInstance, member_ids: list[int], change: str, status: str,
                         at: datetime, comment: str = "") -> None:
    if hooks.has_change_handlers():
        for member_id in member_ids:
            await hooks.emit_change(uow, hooks.TaskChanged(
                org_id=inst.org_id, instance_id=inst.id, template_id=inst.template_id, title=inst.title,
                member_id=member_id, change=change, status=status, comment=comment, at=at,
            ))


async def _cancel_pending(uow: UnitOfWork, inst: ApprovalInstance, now: datetime, step: int | None = None) -> None:
    """Pending tasks (of one step, or all) are cancelled: gone from their approvers' lists."""
    cancelled = await TaskRepository(uow.session, inst.org_id).cancel_pending(inst.id, now, step)
    await _tasks_changed(uow, inst, cancelled, "cancel", "cancelled", now)
    await _tasks_removed(uow, inst, cancelled)


async def _tasks_removed(uow: UnitOfWork, inst: ApprovalInstance, member_ids: list[int]) -> None:
    if member_ids:
        uow.publish(EventTaskRemove(instance_id=inst.id).to_event(inst.org_id, await _accounts(uow, inst.org_id, member_ids)))


def _notify(uow: UnitOfWork, inst: ApprovalInstance, kind: str, member_ids: list[int], key: str, *, sender_id: int | None = None) -> None:
    """Chat cards through a durable job: an approver must hear of their task even if the
    process stops right after this commit."""
    if not member_ids:
        return
    uow.enqueue(
        "approval.notify",
        {"org_id": inst.org_id, "instance_id": inst.id, "kind": kind, "member_ids": member_ids,
         "sender_id": sender_id or inst.submitter_member_id, "key": key},
        org_id=inst.org_id,
        dedupe_key=f"approval:{inst.id}:{key}",
        max_attempts=NOTIFY_ATTEMPTS,
    )


def _enqueue_remind(uow: UnitOfWork, inst: ApprovalInstance, round_: int, after: datetime) -> None:
    """Round `round_` is due `remind_after_hours` after the step started or the previous
    round was due (not ran), so a late runner does not push the schedule."""
    hours = int(inst.plan[inst.current_step].get("remind_after_hours", 0))
    if not hours or round_ > REMIND_ROUNDS:
        return
    due = after + timedelta(hours=hours)
    uow.enqueue(
        "approval.remind",
        {"org_id": inst.org_id, "instance_id": inst.id, "activation": inst.activation, "round": round_, "due": due.isoformat()},
        run_at=due,
        org_id=inst.org_id,
        dedupe_key=f"approval:{inst.id}:act:{inst.activation}:remind:{round_}",
    )


async def _activate(uow: UnitOfWork, inst: ApprovalInstance, step: int, now: datetime, reason: str) -> None:
    """Step `step` becomes the active one: a pending task per approver, their alert and card,
    and the overdue reminder. Past the last step the instance is approved."""
    if step >= len(inst.plan):
        await _finish(uow, inst, "approved", now)
        return
    inst.current_step = step
    inst.activation += 1
    approvers = list(inst.plan[step]["approver_ids"])
    await TaskRepository(uow.session, inst.org_id).add_many(
        [{"instance_id": inst.id, "step": step, "activation": inst.activation, "member_id": m, "status": "pending", "created_at": now}
         for m in approvers]
    )
    await _tasks_added(uow, inst, approvers, reason)
    await _tasks_changed(uow, inst, approvers, "start", "pending", now)
    _notify(uow, inst, "task", approvers, f"act:{inst.activation}:task")
    _enqueue_remind(uow, inst, 1, now)


async def _finish(uow: UnitOfWork, inst: ApprovalInstance, status: str, now: datetime, *, by: int | None = None) -> None:
    """The instance ends: side effects of an approval (leave, invoices, payment, attendance
    hooks), CC on finish, the submitter's card, and everyone's view."""
    org_id = inst.org_id
    await _cancel_pending(uow, inst, now)
    inst.status = status
    inst.finished_at = now
    if status == "approved":
        await effects.on_approved(uow, inst, now)
        cc = inst.effects.get("cc_on_finish", [])
        added = await CcRepository(uow.session, org_id).add_many(inst.id, cc, now)
        if added:
            _log(uow, inst, None, "cc", detail={"member_ids": added}, at=now)
            _notify(uow, inst, "cc", added, "cc:finish")
    else:
        await effects.on_closed(uow, inst)
    _log(uow, inst, None, "finished", detail={"status": status}, at=now)
    await _instance_changed(uow, inst, "finish" if status in ("approved", "rejected") else "terminate")
    if by is not None and by != inst.submitter_member_id:
        _notify(uow, inst, "result", [inst.submitter_member_id], f"result:{status}", sender_id=by)
    await _announce(uow, inst, status)


def _require_running(inst: ApprovalInstance) -> None:
    if inst.status != "running":
        raise NotRunning(status=inst.status)


async def _my_task(uow: UnitOfWork, access: InstanceAccess) -> ApprovalTask:
    inst = access.instance
    _require_running(inst)
    task = await TaskRepository(uow.session, inst.org_id).mine_pending(inst.id, access.me)
    if task is None or task.step != inst.current_step:
        raise NotYourTurn()
    # Everyone the decision will name or alert, in one statement instead of one per event.
    await cards(uow.session, inst.org_id, {inst.submitter_member_id, access.me, *(m for st in inst.plan for m in st["approver_ids"])})
    return task


async def _decide(uow: UnitOfWork, task: ApprovalTask, status: str, now: datetime, inst: ApprovalInstance,
                  comment: str = "") -> None:
    if not await TaskRepository(uow.session, task.org_id).decide(task.id, status, now):
        raise NotYourTurn()
    await _tasks_changed(uow, inst, [task.member_id], "finish", status, now, comment)


async def _active_members(uow: UnitOfWork, org_id: int, ids: list[int]) -> list[int]:
    found = await member_contacts(uow.session, org_id, ids)
    missing = sorted(i for i in set(ids) if i not in found or not found[i].active)
    if missing:
        raise BadRequest("Unknown or inactive members", code="approval_unknown_members", member_ids=missing)
    return list(dict.fromkeys(ids))


# --- submit ---------------------------------------------------------------------------------


async def _check_refs(uow: UnitOfWork, org_id: int, me: int, refs: Refs) -> None:
    errors: list[dict[str, Any]] = []
    if refs.member_ids:
        found = await member_contacts(uow.session, org_id, refs.member_ids)
        if any(m not in found or not found[m].active for m in refs.member_ids):
            errors.append({"error": "unknown_members"})
    if refs.department_ids and await existing_department_ids(uow.session, org_id, refs.department_ids) != refs.department_ids:
        errors.append({"error": "unknown_departments"})
    if refs.file_ids:
        files = {f.id: f for f in await FileRepository(uow.session, org_id).get_many(refs.file_ids)}
        if any(i not in files or files[i].uploader_member_id != me or files[i].instance_id is not None for i in refs.file_ids):
            errors.append({"error": "unknown_files"})
        elif any(not files[i].is_image for i in refs.image_ids):
            errors.append({"error": "not_an_image"})
    if errors:
        raise InvalidForm(errors=errors)


async def _explicit(uow: UnitOfWork, org_id: int, me: int, explicit: ExplicitFlow, resolved_steps: list[dict[str, Any]],
                    cc_submit: list[int], cc_finish: list[int]) -> tuple[list[dict[str, Any]], list[int], list[int]]:
    """The caller's approvers and CC in place of (steps) or beside (CC) the template's: unknown or
    inactive people fail the submission; the submitter is dropped from steps, empty steps skipped."""
    people = [m for s in explicit.steps for m in s.member_ids] + list(explicit.cc_member_ids)
    if people:
        await _active_members(uow, org_id, people)
    steps = resolved_steps
    if explicit.steps:
        steps = []
        for s in explicit.steps:
            approvers = [m for m in dict.fromkeys(s.member_ids) if m != me]
            if approvers:
                steps.append({"name": "", "kind": "members", "mode": s.mode, "approver_ids": approvers, "source": "explicit"})
    cc = [m for m in dict.fromkeys(explicit.cc_member_ids) if m != me]
    if explicit.cc_on in ("submit", "both"):
        cc_submit = list(dict.fromkeys([*cc_submit, *cc]))
    if explicit.cc_on in ("finish", "both"):
        cc_finish = list(dict.fromkeys([*cc_finish, *cc]))
    return steps, cc_submit, cc_finish


async def check_submit(uow: UnitOfWork, actor: Actor, body: SubmitBody, *, explicit: ExplicitFlow | None = None) -> InstanceRead:
    """Submits a request with a template the actor may use.

    Raises: TemplateNotFound (404, also when not visible to them), InvalidForm (422 with
        every field error), NeedsChoice (422: submitter_choice steps without people),
        DuplicateInvoice (409), InsufficientBalance (409, tracked leave types).
    Emits: approval_task/add to the first step's approvers, approval/update; jobs
        approval.notify (cards) and approval.remind.
    """
    org_id, me = org_id_of(actor), my_member_id(actor)
    access = await access_template_by_id(uow.session, actor, body.template_id, to_use=True)
    template, version = access.template, access.version
    form = [FieldDef.model_validate(f) for f in version.form]
    flow = FlowDef.model_validate(version.flow)
    values, refs = clean_values(form, body.values)
    await _check_refs(uow, org_id, me, refs)
    await effects.check_before_submit(uow, org_id, me, template.kind, form, values, refs)
    chosen = [m for people in body.chosen.values() for m in people]
    if chosen:
        # Resolving drops people it cannot use; a chosen approver who is not an active member
        # here would silently take a step out of the flow, so the choice is refused instead.
        await _active_members(uow, org_id, chosen)
    resolved = await resolve_flow(uow.session, org_id, me, form, flow, values, body.chosen)
    steps, cc_submit, cc_finish = resolved.steps, resolved.cc_on_submit, resolved.cc_on_finish
    if explicit is not None:
        steps, cc_submit, cc_finish = await _explicit(uow, org_id, me, explicit, steps, cc_submit, cc_finish)
    if resolved.needs_choice and not (explicit and explicit.steps):
        raise NeedsChoice(steps=resolved.needs_choice)
    now = utc_now()
    submitter = (await cards(uow.session, org_id, [me]))[me]
    plan = [{**s, "remind_after_hours": flow.remind_after_hours} for s in steps]
    inst = InstanceRepository(uow.session, org_id).add(
        ApprovalInstance(
            org_id=org_id, template_id=template.id, version_id=version.id, kind=template.kind,
            title=f"{submitter.name}的{template.name}"[:160], submitter_member_id=me, values=values,
            status="running", plan=plan, current_step=0, activation=0, created_at=now,
            effects={"cc_on_finish": cc_finish},
        )
    )
    await uow.session.flush()
    if refs.invoices:
        try:
            async with uow.session.begin_nested():
                await InvoiceRepository(uow.session, org_id).claim(refs.invoices, inst.id, now)
        except IntegrityError:
            raise DuplicateInvoice() from None
    await FileRepository(uow.session, org_id).bind(refs.file_ids, inst.id)
    _log(uow, inst, me, "submit", at=now)
    await _instance_changed(uow, inst, "start")
    if cc_submit:
        added = await CcRepository(uow.session, org_id).add_many(inst.id, cc_submit, now)
        _log(uow, inst, None, "cc", detail={"member_ids": added}, at=now)
        _notify(uow, inst, "cc", added, "cc:submit")
    if not plan:
        # Nobody to ask (every step skipped): approved at once, as DingTalk does.
        _log(uow, inst, None, "auto_approved", at=now)
    await _activate(uow, inst, 0, now, "step")
    if plan:
        await _announce(uow, inst, "submit")
    await uow.session.flush()
    return await instance_read(uow.session, InstanceAccess(inst, me, True, actor.is_admin))


# --- approvers ------------------------------------------------------------------------------


async def _advance_if_done(uow: UnitOfWork, inst: ApprovalInstance, now: datetime, by: int) -> None:
    """或签: the first yes ends the step (the others' tasks are cancelled); 会签: the step
    ends when nobody in it is pending any more."""
    tasks = TaskRepository(uow.session, inst.org_id)
    step = inst.current_step
    if inst.plan[step]["mode"] == "any":
        await _cancel_pending(uow, inst, now, step)
    elif await tasks.pending_of_step(inst.id, step):
        await _announce(uow, inst, "approve")
        return
    if step + 1 >= len(inst.plan):
        await _finish(uow, inst, "approved", now, by=by)
    else:
        await _activate(uow, inst, step + 1, now, "step")
        await _announce(uow, inst, "approve")


async def check_approve(uow: UnitOfWork, actor: Actor, instance_id: int, body: DecisionBody) -> InstanceRead:
    """Raises: InstanceNotFound, NotRunning / NotYourTurn (409: finished, not your step, or
    someone else decided first), and at the final step InsufficientBalance / DuplicateInvoice."""
    access = await access_instance_by_id(uow.session, actor, instance_id, lock=True)
    inst, now = access.instance, utc_now()
    task = await _my_task(uow, access)
    await _decide(uow, task, "approved", now, inst, body.comment)
    _log(uow, inst, access.me, "approve", step=task.step, comment=body.comment, at=now)
    await _tasks_removed(uow, inst, [access.me])
    await _advance_if_done(uow, inst, now, access.me)
    await uow.session.flush()
    return await instance_read(uow.session, access)


async def check_reject(uow: UnitOfWork, actor: Actor, instance_id: int, body: DecisionBody) -> InstanceRead:
    """One no ends the request, in 会签 as in 或签."""
    access = await access_instance_by_id(uow.session, actor, instance_id, lock=True)
    inst, now = access.instance, utc_now()
    task = await _my_task(uow, access)
    await _decide(uow, task, "rejected", now, inst, body.comment)
    _log(uow, inst, access.me, "reject", step=task.step, comment=body.comment, at=now)
    await _tasks_removed(uow, inst, [access.me])
    await _finish(uow, inst, "rejected", now, by=access.me)
    await uow.session.flush()
    return await instance_read(uow.session, access)


async def check_transfer(uow: UnitOfWork, actor: Actor, instance_id: int, body: TransferBody) -> InstanceRead:
    """Hands the actor's task to someone else (转交); they take the actor's place in the step."""
    access = await access_instance_by_id(uow.session, actor, instance_id, lock=True)
    inst, now = access.instance, utc_now()
    task = await _my_task(uow, access)
    [target] = await _active_members(uow, inst.org_id, [body.member_id])
    tasks = TaskRepository(uow.session, inst.org_id)
    busy = {t.member_id for t in await tasks.pending_of_step(inst.id, task.step)}
    if target in busy or target == inst.submitter_member_id:
        raise BadTransfer()
    await _decide(uow, task, "transferred", now, inst, body.comment)
    await tasks.add_many([{"instance_id": inst.id, "step": task.step, "activation": task.activation, "member_id": target,
                           "status": "pending", "created_at": now}])
    plan = [dict(s) for s in inst.plan]
    plan[task.step]["approver_ids"] = [target if m == access.me else m for m in plan[task.step]["approver_ids"]]
    if target not in plan[task.step]["approver_ids"]:
        plan[task.step]["approver_ids"].append(target)
    inst.plan = plan
    _log(uow, inst, access.me, "transfer", step=task.step, comment=body.comment, detail={"to": target}, at=now)
    await _tasks_removed(uow, inst, [access.me])
    await _tasks_added(uow, inst, [target], "transfer")
    await _tasks_changed(uow, inst, [target], "start", "pending", now)
    _notify(uow, inst, "task", [target], f"act:{inst.activation}:transfer:{task.id}")
    await _announce(uow, inst, "transfer")
    await uow.session.flush()
    return await instance_read(uow.session, access)


async def _shift_steps(uow: UnitOfWork, inst: ApprovalInstance, from_step: int) -> None:
    """Tasks of steps at or after `from_step` move one down, as a step was inserted there."""
    await uow.session.execute(
        update(ApprovalTask)
        .where(ApprovalTask.org_id == inst.org_id, ApprovalTask.instance_id == inst.id, ApprovalTask.step >= from_step)
        .values(step=ApprovalTask.step + 1)
    )


async def check_add_approver(uow: UnitOfWork, actor: Actor, instance_id: int, body: AddApproverBody) -> InstanceRead:
    """加签. before: the added people decide first, then the current step asks again;
    after: the actor approves now and the added people form the next step."""
    access = await access_instance_by_id(uow.session, actor, instance_id, lock=True)
    inst, now = access.instance, utc_now()
    task = await _my_task(uow, access)
    people = [m for m in await _active_members(uow, inst.org_id, list(body.member_ids)) if m not in (inst.submitter_member_id, access.me)]
    if not people:
        raise BadTransfer()
    step = inst.current_step
    added = {"name": "加签", "mode": body.mode, "approver_ids": people, "source": "added",
             "remind_after_hours": inst.plan[step].get("remind_after_hours", 0)}
    _log(uow, inst, access.me, "add_approver", step=step, comment=body.comment,
         detail={"position": body.position, "member_ids": people}, at=now)
    if body.position == "before":
        await _cancel_pending(uow, inst, now, step)
        await _shift_steps(uow, inst, step)
        inst.plan = [*inst.plan[:step], added, *inst.plan[step:]]
        await _activate(uow, inst, step, now, "added")
        await _announce(uow, inst, "add_approver")
    else:
        await _decide(uow, task, "approved", now, inst, body.comment)
        _log(uow, inst, access.me, "approve", step=step, at=now)
        await _tasks_removed(uow, inst, [access.me])
        await _shift_steps(uow, inst, step + 1)
        inst.plan = [*inst.plan[: step + 1], added, *inst.plan[step + 1 :]]
        await _advance_if_done(uow, inst, now, access.me)
    await uow.session.flush()
    return await instance_read(uow.session, access)


async def check_return(uow: UnitOfWork, actor: Actor, instance_id: int, body: ReturnBody) -> InstanceRead:
    """退回: back to an earlier step, whose approvers decide again."""
    access = await access_instance_by_id(uow.session, actor, instance_id, lock=True)
    inst, now = access.instance, utc_now()
    task = await _my_task(uow, access)
    if body.step >= inst.current_step:
        raise BadReturn()
    await _decide(uow, task, "returned", now, inst, body.comment)
    await _cancel_pending(uow, inst, now)
    _log(uow, inst, access.me, "return", step=task.step, comment=body.comment, detail={"to_step": body.step}, at=now)
    await _activate(uow, inst, body.step, now, "returned")
    await _announce(uow, inst, "return")
    await uow.session.flush()
    return await instance_read(uow.session, access)


# --- submitter, everyone, admins ------------------------------------------------------------


async def check_withdraw(uow: UnitOfWork, actor: Actor, instance_id: int) -> InstanceRead:
    access = await access_instance_by_id(uow.session, actor, instance_id, lock=True)
    inst, now = access.instance, utc_now()
    if not access.is_submitter:
        raise SubmitterOnly()
    _require_running(inst)
    _log(uow, inst, access.me, "withdraw", at=now)
    await _finish(uow, inst, "withdrawn", now)
    await uow.session.flush()
    return await instance_read(uow.session, access)


async def check_comment(uow: UnitOfWork, actor: Actor, instance_id: int, body: CommentBody) -> InstanceRead:
    """Anyone with a part may comment, with attachments they uploaded (also once finished)."""
    access = await access_instance_by_id(uow.session, actor, instance_id, lock=True)
    inst = access.instance
    text = body.text.strip()
    if not text and not body.file_ids:
        raise BadRequest("Write something or attach a file", code="approval_empty_comment")
    files = await FileRepository(uow.session, inst.org_id).get_many(set(body.file_ids))
    if len(files) != len(set(body.file_ids)) or any(f.uploader_member_id != access.me or f.instance_id is not None for f in files):
        raise FileNotFound()
    await FileRepository(uow.session, inst.org_id).bind(set(body.file_ids), inst.id)
    _log(uow, inst, access.me, "comment", step=inst.current_step, comment=text, detail={"file_ids": sorted(set(body.file_ids))})
    await _announce(uow, inst, "comment")
    await uow.session.flush()
    return await instance_read(uow.session, access)


async def check_urge(uow: UnitOfWork, actor: Actor, instance_id: int) -> InstanceRead:
    """催办: the submitter nudges whoever is pending, at most once every 10 minutes."""
    access = await access_instance_by_id(uow.session, actor, instance_id, lock=True)
    inst, now = access.instance, utc_now()
    if not access.is_submitter:
        raise SubmitterOnly()
    _require_running(inst)
    if inst.last_urged_at is not None and now - as_utc(inst.last_urged_at) < URGE_EVERY:
        raise UrgeTooSoon()
    inst.last_urged_at = now
    pending = [t.member_id for t in await TaskRepository(uow.session, inst.org_id).pending_of_instance(inst.id)]
    _log(uow, inst, access.me, "urge", step=inst.current_step, detail={"member_ids": pending}, at=now)
    await _tasks_added(uow, inst, pending, "urge")
    _notify(uow, inst, "urge", pending, f"urge:{int(now.timestamp())}")
    await uow.session.flush()
    return await instance_read(uow.session, access)


async def check_revoke(uow: UnitOfWork, actor: Actor, instance_id: int, body: DecisionBody) -> InstanceRead:
    """Owners and admins revoke an approved request (撤销): leave days come back, attendance
    is told, invoices are free again. A payment already made is not undone."""
    access = await access_instance_by_id(uow.session, actor, instance_id, lock=True)
    inst, now = access.instance, utc_now()
    if not access.is_admin:
        raise SubmitterOnly("Only owners and admins may revoke an approved request", code="approval_admin_only")
    if inst.status != "approved":
        raise NotRevocable()
    inst.status = "revoked"
    await effects.on_revoked(uow, inst, now)
    await _instance_changed(uow, inst, "terminate")
    _log(uow, inst, access.me, "revoke", comment=body.comment, at=now)
    await _announce(uow, inst, "revoke")
    await uow.session.flush()
    return await instance_read(uow.session, access)


# --- job steps --------------------------------------------------------------------------------


async def do_remind(uow: UnitOfWork, org_id: int, instance_id: int, activation: int, round_: int, due: datetime) -> int:
    """Overdue reminder `round_` of one step activation: cards and alerts to whoever is still
    pending, then the next round. A step that moved on makes it a no-op."""
    inst = await InstanceRepository(uow.session, org_id).get_locked(instance_id)
    if inst is None or inst.status != "running" or inst.activation != activation:
        return 0
    pending = [t.member_id for t in await TaskRepository(uow.session, org_id).pending_of_instance(inst.id)]
    if not pending:
        return 0
    now = utc_now()
    _log(uow, inst, None, "remind", step=inst.current_step, detail={"member_ids": pending, "round": round_}, at=now)
    await _tasks_added(uow, inst, pending, "reminder")
    _notify(uow, inst, "remind", pending, f"act:{activation}:remind:{round_}")
    _enqueue_remind(uow, inst, round_ + 1, due)
    return len(pending)
