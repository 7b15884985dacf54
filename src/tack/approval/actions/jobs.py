"""Steps of approval's durable jobs (tasks.py calls these): chat cards, payment attempts."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tack.approval.cards import approver_card, card_lines, info_card
from tack.approval.models import ApprovalEvent, ApprovalNotice
from tack.approval.payments import PaymentRequest
from tack.approval.repository import (
    EventRepository,
    InstanceRepository,
    NoticeRepository,
    PaymentRepository,
    TaskRepository,
    VersionRepository,
)
from tack.approval.schemas import FieldDef
from tack.chat.actions.conversations import do_post_direct_card
from tack.core.clock import utc_now
from tack.directory.queries import member_contacts
from tack.storage.uow import UnitOfWork

NOTES = {
    "task": "{who} 提交的审批等待你处理",
    "urge": "{who} 催办：审批等待你处理",
    "remind": "审批已超时，仍在等待你处理",
    "cc": "{who} 的审批抄送给你",
    "result:approved": "你的审批已通过",
    "result:rejected": "你的审批被拒绝",
}


async def do_notify(uow: UnitOfWork, org_id: int, args: dict[str, Any]) -> int:
    """Cards in 1:1 chats (sender ↔ each person). Approvers still pending get 同意 / 拒绝
    buttons; a person already posted this notice (same key) is skipped, so a re-run posts
    nothing twice."""
    inst = await InstanceRepository(uow.session, org_id).get(int(args["instance_id"]))
    if inst is None:
        return 0
    kind, key, sender = str(args["kind"]), str(args["key"]), int(args["sender_id"])
    version = await VersionRepository(uow.session, org_id).get(inst.version_id)
    assert version is not None
    lines = card_lines([FieldDef.model_validate(f) for f in version.form], inst.values)
    member_ids = [int(m) for m in args["member_ids"]]
    contacts = await member_contacts(uow.session, org_id, [*member_ids, sender])
    if sender not in contacts or not contacts[sender].active:
        return 0
    pending = {t.member_id for t in await TaskRepository(uow.session, org_id).pending_of_instance(inst.id)}
    note_key = f"result:{inst.status}" if kind == "result" else kind
    note = NOTES.get(note_key, "").format(who=contacts[sender].name)
    notices = NoticeRepository(uow.session, org_id)
    posted = 0
    for member_id in member_ids:
        person = contacts.get(member_id)
        notice_key = f"{org_id}:{inst.id}:{key}:{member_id}"
        if person is None or not person.active or member_id == sender or await notices.posted(notice_key):
            continue
        if kind in ("task", "urge", "remind"):
            if inst.status != "running" or member_id not in pending:
                continue  # decided meanwhile: no buttons for a task that is gone
            content = approver_card(inst.id, inst.title, lines, note=note)
        else:
            content = info_card(inst.id, inst.title, lines, note)
        message = await do_post_direct_card(uow, org_id, sender_member_id=sender, other_member_id=member_id, content=content)
        notices.add(ApprovalNotice(org_id=org_id, key=notice_key, instance_id=inst.id, message_id=message.id, created_at=utc_now()))
        posted += 1
    await uow.session.flush()
    return posted


@dataclass(frozen=True, slots=True)
class PlannedPayment:
    request: PaymentRequest


async def plan_payment(session: AsyncSession, org_id: int, instance_id: int) -> PlannedPayment | None:
    """What an approval.pay job should send, or None when it is already settled."""
    payment = await PaymentRepository(session, org_id).of_instance(instance_id)
    inst = await InstanceRepository(session, org_id).get(instance_id)
    if payment is None or inst is None or payment.status in ("paid", "not_configured"):
        return None
    contacts = await member_contacts(session, org_id, [inst.submitter_member_id])
    person = contacts.get(inst.submitter_member_id)
    return PlannedPayment(
        PaymentRequest(
            idempotency_key=payment.idempotency_key, org_id=org_id, instance_id=inst.id, member_id=inst.submitter_member_id,
            payee_name=person.name if person else "", amount=payment.amount, currency="CNY", title=inst.title,
            invoices=list(inst.values.get("invoices", [])),
        )
    )


async def do_record_payment(uow: UnitOfWork, org_id: int, instance_id: int, *, status: str, error: str | None,
                            response: dict[str, Any]) -> None:
    """One attempt's result on the payment row, and on the timeline when it settles."""
    payment = await PaymentRepository(uow.session, org_id).of_instance(instance_id)
    if payment is None or payment.status == "paid":
        return
    now = utc_now()
    payment.attempts += 1
    payment.status = status
    payment.last_error = error
    payment.response = response
    payment.updated_at = now
    if status in ("paid", "not_configured"):
        EventRepository(uow.session, org_id).add(
            ApprovalEvent(org_id=org_id, instance_id=instance_id, member_id=None, action="payment", step=None, comment="",
                          detail={"status": status, "amount": payment.amount, "attempts": payment.attempts}, created_at=now)
        )
    await uow.session.flush()
