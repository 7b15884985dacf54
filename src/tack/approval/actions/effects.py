"""Side effects of the built-in kinds: leave balances, attendance hooks, invoice claims and
the reimbursement payment. Called by the instance actions inside their unit of work."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from tack.approval import hooks
from tack.approval.builtins import CHECK_OPTIONS, LEAVE_TYPES, TRACKED_LEAVE
from tack.approval.errors import DuplicateInvoice, InsufficientBalance
from tack.approval.forms import Refs, range_half_days, table_total
from tack.approval.models import ApprovalInstance, ApprovalPayment
from tack.approval.repository import InvoiceRepository, LeaveBalanceRepository, PaymentRepository, VersionRepository
from tack.approval.schemas import FieldDef
from tack.storage.uow import UnitOfWork

PAY_ATTEMPTS = 8


def _leave(values: dict[str, Any]) -> tuple[str, int]:
    return LEAVE_TYPES[values["leave_type"]], range_half_days(values["period"])


async def check_before_submit(
    uow: UnitOfWork, org_id: int, me: int, kind: str, form: list[FieldDef], values: dict[str, Any], refs: Refs
) -> None:
    """Checks a built-in kind needs before anyone is asked.

    - Leave of a tracked type (年假, 调休): the balance must cover it now; it is deducted
      only on approval, so it is checked again then.
    - Reimbursement: no invoice may be in another live reimbursement (checked again by the
      unique constraint when claimed, and at approval).
    """
    if kind == "leave":
        leave_type, halves = _leave(values)
        if leave_type in TRACKED_LEAVE:
            row = await LeaveBalanceRepository(uow.session, org_id).one(me, leave_type)
            have = row.half_days if row else 0
            if have < halves:
                raise InsufficientBalance(leave_type=leave_type, days_left=have / 2, days_asked=halves / 2)
    if refs.invoices:
        taken = await InvoiceRepository(uow.session, org_id).claimed_by_others(refs.invoices, None)
        if taken:
            raise DuplicateInvoice(invoices=[{"code": c, "number": n} for c, n in taken])


async def _form(uow: UnitOfWork, inst: ApprovalInstance) -> list[FieldDef]:
    version = await VersionRepository(uow.session, inst.org_id).get(inst.version_id)
    assert version is not None
    return [FieldDef.model_validate(f) for f in version.form]


def reimbursement_total(form: list[FieldDef], values: dict[str, Any]) -> Decimal:
    items = next((f for f in form if f.key == "items"), None)
    return table_total(items, values.get("items", [])) if items else Decimal("0")


async def on_approved(uow: UnitOfWork, inst: ApprovalInstance, now: datetime) -> None:
    org_id, values, me = inst.org_id, inst.values, inst.submitter_member_id
    if inst.kind == "leave":
        leave_type, halves = _leave(values)
        if leave_type in TRACKED_LEAVE:
            if not await LeaveBalanceRepository(uow.session, org_id).take(me, leave_type, halves, now):
                raise InsufficientBalance(leave_type=leave_type, days_asked=halves / 2)
            inst.effects = {**inst.effects, "leave_type": leave_type, "leave_half_days": halves}
        period = values["period"]
        await hooks.emit(uow, hooks.LeaveApproved(
            org_id=org_id, instance_id=inst.id, member_id=me, leave_type=leave_type, start=period["start"],
            start_half=period.get("start_half", "am"), end=period["end"], end_half=period.get("end_half", "pm"),
            days=halves / 2,
        ))
    elif inst.kind == "overtime":
        await hooks.emit(uow, hooks.OvertimeApproved(org_id=org_id, instance_id=inst.id, member_id=me,
                                                     date=values["date"], hours=float(values["hours"])))
    elif inst.kind == "card_correction":
        await hooks.emit(uow, hooks.CardCorrectionApproved(org_id=org_id, instance_id=inst.id, member_id=me,
                                                           date=values["date"], time=values["time"],
                                                           check=CHECK_OPTIONS[values["check"]]))
    elif inst.kind == "reimbursement":
        await _approve_reimbursement(uow, inst, now)


async def _approve_reimbursement(uow: UnitOfWork, inst: ApprovalInstance, now: datetime) -> None:
    """The invoices must still be held by this instance (checked at approval as at submit);
    then the payment request goes out through a durable job, once."""
    keys = [(i["code"], i["number"]) for i in inst.values.get("invoices", [])]
    invoices = InvoiceRepository(uow.session, inst.org_id)
    if set(await invoices.held_by(inst.id)) != set(keys) or await invoices.claimed_by_others(keys, inst.id):
        raise DuplicateInvoice()
    total = reimbursement_total(await _form(uow, inst), inst.values)
    key = f"tack-approval-{inst.org_id}-{inst.id}"
    PaymentRepository(uow.session, inst.org_id).add(
        ApprovalPayment(org_id=inst.org_id, instance_id=inst.id, idempotency_key=key, amount=str(total),
                        status="pending", attempts=0, response={}, created_at=now, updated_at=now)
    )
    uow.enqueue("approval.pay", {"org_id": inst.org_id, "instance_id": inst.id}, org_id=inst.org_id,
                dedupe_key=f"approval:{inst.id}:pay", max_attempts=PAY_ATTEMPTS)


async def on_closed(uow: UnitOfWork, inst: ApprovalInstance) -> None:
    """Rejected or withdrawn: its invoices may be used again."""
    await InvoiceRepository(uow.session, inst.org_id).release(inst.id)


async def on_revoked(uow: UnitOfWork, inst: ApprovalInstance, now: datetime) -> None:
    if inst.kind == "leave":
        halves = int(inst.effects.get("leave_half_days", 0))
        if halves:
            await LeaveBalanceRepository(uow.session, inst.org_id).give_back(
                inst.submitter_member_id, inst.effects["leave_type"], halves, now
            )
            inst.effects = {**inst.effects, "leave_half_days_restored": halves}
        period = inst.values["period"]
        await hooks.emit(uow, hooks.LeaveRevoked(org_id=inst.org_id, instance_id=inst.id, member_id=inst.submitter_member_id,
                                                 start=period["start"], end=period["end"]))
    # A revoked reimbursement keeps its invoices: it may already have been paid.
