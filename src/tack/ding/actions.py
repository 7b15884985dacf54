"""Every DING write: send (now or scheduled), deliver, confirm, re-DING, cancel, reminder
rounds, escalation steps, provider attempts, chat cards, org settings."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tack.chat.actions.conversations import do_post_direct_card
from tack.chat.queries import list_unread_member_ids
from tack.core.actor import Actor
from tack.core.clock import as_utc, utc_now
from tack.core.errors import AppError, BadRequest, Conflict, Forbidden, RateLimited
from tack.ding.access import (
    access_ding_by_id,
    channel_allowed,
    may_send,
    my_member_id,
    org_settings,
    require_sender,
)
from tack.ding.events import EventDingAdd, EventDingRemove, EventReceiptAdd
from tack.ding.models import Ding, DingOrgSettings
from tack.ding.providers import Notice, schedule_minute
from tack.ding.reads import ding_alert, ding_reads
from tack.ding.repository import DingDeliveryRepository, DingRecipientRepository, DingRepository, DingSettingsRepository
from tack.ding.schemas import (
    MAX_RECIPIENTS,
    ConfirmRead,
    DingCreate,
    DingRead,
    DingSettingsRead,
    DingSettingsUpdate,
    ReceiptRead,
    RedingRead,
)
from tack.directory.access import MemberNotFound, org_id_of, require_admin
from tack.directory.queries import member_contacts, visible_member_contacts
from tack.storage.uow import UnitOfWork

LADDER = ["in_app", "sms", "call"]
CARD_CHUNK = 200
# Provider attempts per notice; after the last one the job stays failed (admins see it) and
# the DING itself is untouched: the recipient still has the in-app alert and reminders.
NOTIFY_ATTEMPTS = 6


class DingEmpty(AppError):
    status_code = 422
    code = "ding_empty"
    message = "The DING has no text"


class ScheduleInPast(BadRequest):
    code = "schedule_in_past"
    message = "The send time must be in the future"


class NoRecipients(BadRequest):
    code = "no_recipients"
    message = "Choose at least one person to DING"


class TooManyRecipients(BadRequest):
    code = "too_many_recipients"
    message = f"At most {MAX_RECIPIENTS} people per DING"


class ScheduleLimit(BadRequest):
    code = "ding_schedule_limit"
    message = "The reminder or escalation schedule is outside the organization's limits"


class DingForbidden(Forbidden):
    code = "ding_forbidden"
    message = "Your organization does not let you send DINGs"


class ChannelForbidden(Forbidden):
    code = "ding_channel_forbidden"
    message = "Your organization does not let you DING through this channel"


class DailyLimit(RateLimited):
    code = "ding_daily_limit"
    message = "You have reached today's limit of SMS / call DINGs"


class IdempotencyKeyReused(AppError):
    # 422, as the IETF Idempotency-Key draft recommends for a key reused with another payload.
    status_code = 422
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used for a different DING"


class NotSent(Conflict):
    code = "ding_not_sent"
    message = "The DING has not been sent yet"


class NotScheduled(Conflict):
    code = "ding_not_scheduled"
    message = "Only a scheduled DING that has not been sent can be cancelled"


def escalation_ladder(channel: str) -> list[str]:
    """The channels above a DING's own: in-app → SMS → call."""
    return LADDER[LADDER.index(channel) + 1 :]


def _day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class Schedule:
    every: int
    times: int
    escalate: int


def _check_schedule(body: DingCreate, settings: DingSettingsRead, actor: Actor) -> Schedule:
    every = settings.default_remind_every_minutes if body.remind_every_minutes is None else body.remind_every_minutes
    times = settings.default_remind_times if body.remind_times is None else body.remind_times
    if every == 0 or times == 0:
        every = times = 0
    if times and (every < settings.min_remind_every_minutes or times > settings.max_remind_times):
        raise ScheduleLimit(
            min_remind_every_minutes=settings.min_remind_every_minutes, max_remind_times=settings.max_remind_times
        )
    escalate = body.escalate_after_minutes or 0
    ladder = escalation_ladder(body.channel)
    if escalate and not ladder:
        escalate = 0  # a call has nothing above it
    if escalate:
        if escalate < settings.min_escalate_after_minutes:
            raise ScheduleLimit(min_escalate_after_minutes=settings.min_escalate_after_minutes)
        for channel in ladder:
            if not channel_allowed(settings, actor, channel):
                raise ChannelForbidden(f"Escalation to {channel} is not allowed for you", channel=channel)
    return Schedule(every, times, escalate)


@dataclass(frozen=True, slots=True)
class SentDing:
    ding: DingRead
    created: bool  # False: a retry with the same Idempotency-Key, answered with the first DING


def _request_hash(body: DingCreate) -> str:
    """The request as the sender meant it: recipients as a set, the time in UTC."""
    data = body.model_dump(mode="json")
    data["member_ids"] = sorted(set(body.member_ids))
    data["send_at"] = as_utc(body.send_at).isoformat() if body.send_at is not None else None
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def _first_with_key(uow: UnitOfWork, org_id: int, me: int, key: str, request_hash: str) -> SentDing | None:
    first = await DingRepository(uow.session, org_id).by_idempotency_key(me, key)
    if first is None:
        return None
    if first.request_hash != request_hash:
        raise IdempotencyKeyReused()
    [read] = await ding_reads(uow.session, org_id, [first], viewer_member_id=me)
    return SentDing(read, created=False)


async def check_send_ding(
    uow: UnitOfWork, actor: Actor, body: DingCreate, *, idempotency_key: str | None = None, now: datetime | None = None
) -> SentDing:
    """Sends a DING now, or schedules it for `send_at`. A retry with the same
    `idempotency_key` (per sender) returns the first DING, even when the retry comes after
    the schedule passed or the daily limit was reached: it sends nothing new.

    Raises:
        DingEmpty (422), IdempotencyKeyReused (422: same key, different request),
        ScheduleInPast, NoRecipients, TooManyRecipients, ScheduleLimit (400),
        DingForbidden, ChannelForbidden (403), MemberNotFound (404: unknown, inactive, hidden
        or another org's member), DailyLimit (429); from chat with `source`:
        ConversationNotFound, MessageNotFound, receipts_forbidden.
    Emits:
        ding/add to every recipient (when sent now); jobs ding.deliver (scheduled),
        ding.cards, ding.notify (SMS/call), ding.remind, ding.escalate.
    """
    org_id, me = org_id_of(actor), my_member_id(actor)
    now = now or utc_now()
    request_hash = _request_hash(body) if idempotency_key else None
    if idempotency_key and request_hash:
        first = await _first_with_key(uow, org_id, me, idempotency_key, request_hash)
        if first is not None:
            return first
    text = body.text.strip()
    if not text:
        raise DingEmpty()
    settings = await org_settings(uow.session, org_id)
    if not may_send(settings, actor):
        raise DingForbidden()
    if not channel_allowed(settings, actor, body.channel):
        raise ChannelForbidden(channel=body.channel)
    send_at = as_utc(body.send_at) if body.send_at is not None else None
    if send_at is not None and send_at <= now:
        raise ScheduleInPast()
    schedule = _check_schedule(body, settings, actor)
    wanted = set(body.member_ids)
    if body.source is not None:
        wanted |= set(await list_unread_member_ids(uow.session, actor, body.source.conversation_id, body.source.message_id))
    wanted.discard(me)
    if not wanted:
        raise NoRecipients()
    if len(wanted) > MAX_RECIPIENTS:
        raise TooManyRecipients(limit=MAX_RECIPIENTS)
    found = await visible_member_contacts(uow.session, actor, wanted)
    missing = sorted(wanted - set(found))
    if missing:
        raise MemberNotFound(member_ids=missing[:20])
    paid = body.channel != "in_app" or schedule.escalate > 0
    if paid:
        used = await DingRepository(uow.session, org_id).paid_since(me, _day_start(now))
        if used >= settings.daily_limit:
            raise DailyLimit(limit=settings.daily_limit, used=used)
    ding = Ding(
        org_id=org_id,
        sender_member_id=me,
        text=text,
        attachment=body.attachment or None,
        channel=body.channel,
        paid=paid,
        status="scheduled" if send_at else "sent",
        send_at=send_at,
        sent_at=None,
        remind_every_minutes=schedule.every,
        remind_times=schedule.times,
        escalate_after_minutes=schedule.escalate,
        redings=0,
        recipient_count=len(wanted),
        source_conversation_id=body.source.conversation_id if body.source else None,
        source_message_id=body.source.message_id if body.source else None,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        created_at=now,
    )
    try:
        async with uow.session.begin_nested():
            DingRepository(uow.session, org_id).add(ding)
            await uow.session.flush()
    except IntegrityError:
        # A concurrent request with the same key committed first (PostgreSQL waits for it
        # on the unique index); answer with its DING.
        if not (idempotency_key and request_hash):
            raise
        first = await _first_with_key(uow, org_id, me, idempotency_key, request_hash)
        if first is None:
            raise
        return first
    await DingRecipientRepository(uow.session, org_id).add_many(
        [{"ding_id": ding.id, "member_id": m, "reminders": 0} for m in sorted(wanted)]
    )
    if send_at is not None:
        ding.status = "scheduled"
        uow.enqueue("ding.deliver", {"org_id": org_id, "ding_id": ding.id}, run_at=send_at, org_id=org_id, dedupe_key=f"ding:{ding.id}:deliver")
    else:
        await do_deliver_ding(uow, ding, now)
    [read] = await ding_reads(uow.session, org_id, [ding], viewer_member_id=me)
    return SentDing(read, created=True)


async def do_deliver_ding(uow: UnitOfWork, ding: Ding, sent_at: datetime) -> None:
    """Sends a DING: the in-app alert to every recipient, then the durable follow-ups.
    Reminder and escalation times count from `sent_at`, so re-running a step lands on the
    same times (and the same dedupe keys)."""
    org_id = ding.org_id
    ding.status = "sent"
    ding.sent_at = sent_at
    recipients = DingRecipientRepository(uow.session, org_id)
    await recipients.mark_delivered(ding.id, sent_at)
    member_ids = await recipients.member_ids(ding.id)
    contacts = await member_contacts(uow.session, org_id, [*member_ids, ding.sender_member_id])
    sender = contacts.get(ding.sender_member_id)
    alert = ding_alert(ding, sender.name if sender else "")
    accounts = [c.account_id for m in member_ids if (c := contacts.get(m)) and c.account_id and c.active]
    uow.publish(EventDingAdd(ding=alert).to_event(org_id, accounts))
    if ding.channel != "in_app":
        _enqueue_notices(uow, ding, member_ids, channel=ding.channel, kind="send", round_=0)
    for start in range(0, len(member_ids), CARD_CHUNK):
        chunk = member_ids[start : start + CARD_CHUNK]
        uow.enqueue(
            "ding.cards",
            {"org_id": org_id, "ding_id": ding.id, "member_ids": chunk},
            org_id=org_id,
            dedupe_key=f"ding:{ding.id}:cards:{start // CARD_CHUNK}",
        )
    if ding.remind_times:
        _enqueue_round(uow, ding, 1)
    if ding.escalate_after_minutes and escalation_ladder(ding.channel):
        _enqueue_escalation(uow, ding, 1)


def _enqueue_round(uow: UnitOfWork, ding: Ding, round_: int) -> None:
    assert ding.sent_at is not None
    uow.enqueue(
        "ding.remind",
        {"org_id": ding.org_id, "ding_id": ding.id, "round": round_},
        run_at=as_utc(ding.sent_at) + timedelta(seconds=schedule_minute() * ding.remind_every_minutes * round_),
        org_id=ding.org_id,
        dedupe_key=f"ding:{ding.id}:round:{round_}",
    )


def _enqueue_escalation(uow: UnitOfWork, ding: Ding, step: int) -> None:
    assert ding.sent_at is not None
    uow.enqueue(
        "ding.escalate",
        {"org_id": ding.org_id, "ding_id": ding.id, "step": step},
        run_at=as_utc(ding.sent_at) + timedelta(seconds=schedule_minute() * ding.escalate_after_minutes * step),
        org_id=ding.org_id,
        dedupe_key=f"ding:{ding.id}:escalate:{step}",
    )


def _enqueue_notices(uow: UnitOfWork, ding: Ding, member_ids: list[int], *, channel: str, kind: str, round_: int) -> None:
    """One job per person: each SMS / call retries and is recorded on its own."""
    for member_id in member_ids:
        uow.enqueue(
            "ding.notify",
            {"org_id": ding.org_id, "ding_id": ding.id, "member_id": member_id, "channel": channel, "kind": kind, "round": round_},
            org_id=ding.org_id,
            dedupe_key=f"ding:{ding.id}:member:{member_id}:{kind}:{round_}:{channel}",
            max_attempts=NOTIFY_ATTEMPTS,
        )


async def _alert_again(uow: UnitOfWork, ding: Ding, member_ids: list[int], *, kind: str, round_: int) -> None:
    """An in-app alert to these recipients, recorded once per (kind, round) per person."""
    org_id = ding.org_id
    contacts = await member_contacts(uow.session, org_id, [*member_ids, ding.sender_member_id])
    sender = contacts.get(ding.sender_member_id)
    await DingDeliveryRepository(uow.session, org_id).add_many(
        [
            {"ding_id": ding.id, "member_id": m, "kind": kind, "round": round_, "channel": "in_app",
             "provider": "inapp", "attempt": 1, "status": "sent", "created_at": utc_now()}
            for m in member_ids
        ]
    )
    accounts = [c.account_id for m in member_ids if (c := contacts.get(m)) and c.account_id and c.active]
    alert = ding_alert(ding, sender.name if sender else "", reason=kind, round_=round_)
    uow.publish(EventDingAdd(ding=alert).to_event(org_id, accounts))


# --- recipients and sender ----------------------------------------------------------------


async def check_confirm_ding(uow: UnitOfWork, actor: Actor, ding_id: int) -> ConfirmRead:
    """A recipient confirms (已确认); confirming again changes nothing.

    Raises: DingNotFound (not a recipient, not sent yet, another org); 400 not_a_recipient
        for the sender.
    Emits: ding/remove to the recipient's accounts; ding_receipt/add to the sender's.
    """
    access = await access_ding_by_id(uow.session, actor, ding_id)
    if access.me is None:
        raise BadRequest("The sender does not confirm their own DING", code="not_a_recipient")
    ding, me = access.ding, access.me
    org_id = ding.org_id
    if me.confirmed_at is not None:
        return ConfirmRead(ding_id=ding.id, member_id=me.member_id, confirmed_at=me.confirmed_at)
    now = utc_now()
    recipients = DingRecipientRepository(uow.session, org_id)
    if not await recipients.confirm(ding.id, me.member_id, now):
        await uow.session.refresh(me)
        assert me.confirmed_at is not None
        return ConfirmRead(ding_id=ding.id, member_id=me.member_id, confirmed_at=me.confirmed_at)
    total, confirmed = (await recipients.counts([ding.id]))[ding.id]
    contacts = await member_contacts(uow.session, org_id, [me.member_id, ding.sender_member_id])
    sender = contacts.get(ding.sender_member_id)
    uow.publish(EventDingRemove(ding_id=ding.id).to_event(org_id, [actor.account_id]))
    receipt = ReceiptRead(
        ding_id=ding.id,
        member_id=me.member_id,
        name=contacts[me.member_id].name if me.member_id in contacts else "",
        confirmed_at=now,
        confirmed_count=confirmed,
        recipient_count=total,
    )
    if sender is not None and sender.account_id is not None:
        uow.publish(EventReceiptAdd(receipt=receipt).to_event(org_id, [sender.account_id]))
    return ConfirmRead(ding_id=ding.id, member_id=me.member_id, confirmed_at=now)


async def check_reding(uow: UnitOfWork, actor: Actor, ding_id: int) -> RedingRead:
    """The sender DINGs again everyone who has not confirmed, through the DING's channel.

    Raises: DingNotFound, SenderOnly (403 ding_sender_only), NotSent (409).
    Emits: ding/add (reason "reding") to the unconfirmed; ding.notify jobs for SMS / call.
    """
    access = await access_ding_by_id(uow.session, actor, ding_id, lock=True)
    require_sender(access)
    ding = access.ding
    if ding.status != "sent":
        raise NotSent()
    unconfirmed = await DingRecipientRepository(uow.session, ding.org_id).unconfirmed_ids(ding.id)
    if not unconfirmed:
        return RedingRead(ding_id=ding.id, reding=ding.redings, member_ids=[])
    ding.redings += 1
    await _alert_again(uow, ding, unconfirmed, kind="reding", round_=ding.redings)
    if ding.channel != "in_app":
        _enqueue_notices(uow, ding, unconfirmed, channel=ding.channel, kind="reding", round_=ding.redings)
    return RedingRead(ding_id=ding.id, reding=ding.redings, member_ids=unconfirmed)


async def check_cancel_ding(uow: UnitOfWork, actor: Actor, ding_id: int) -> DingRead:
    """The sender cancels a scheduled DING before it goes out (its deliver job then does nothing)."""
    access = await access_ding_by_id(uow.session, actor, ding_id, lock=True)
    require_sender(access)
    if access.ding.status != "scheduled":
        raise NotScheduled()
    access.ding.status = "cancelled"
    [read] = await ding_reads(uow.session, access.ding.org_id, [access.ding], viewer_member_id=my_member_id(actor))
    return read


async def check_update_settings(uow: UnitOfWork, actor: Actor, body: DingSettingsUpdate) -> DingSettingsRead:
    """Owners and admins change who may DING, the channels and the limits."""
    org_id = org_id_of(actor)
    require_admin(actor)
    repo = DingSettingsRepository(uow.session, org_id)
    row = await repo.current()
    if row is None:
        row = repo.add(DingOrgSettings(org_id=org_id, **DingSettingsRead().model_dump(exclude={"max_recipients"}), updated_at=utc_now()))
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, field, value)
    row.updated_at = utc_now()
    await uow.session.flush()
    return await org_settings(uow.session, org_id)


# --- job steps (called by tasks.py) -----------------------------------------------------------


async def do_deliver_scheduled(uow: UnitOfWork, org_id: int, ding_id: int) -> None:
    ding = await DingRepository(uow.session, org_id).get_locked(ding_id)
    if ding is None or ding.status != "scheduled" or ding.send_at is None:
        return  # cancelled, or already delivered by an earlier run
    await do_deliver_ding(uow, ding, as_utc(ding.send_at))


async def do_remind_round(uow: UnitOfWork, org_id: int, ding_id: int, round_: int) -> int:
    """Reminder round `round_`: alert every unconfirmed recipient once, then plan the next
    round. Runs inside its job's transaction, so a round takes effect exactly once."""
    ding = await DingRepository(uow.session, org_id).get(ding_id)
    if ding is None or ding.status != "sent" or round_ > ding.remind_times:
        return 0
    recipients = DingRecipientRepository(uow.session, org_id)
    unconfirmed = await recipients.unconfirmed_ids(ding.id)
    if not unconfirmed:
        return 0
    await _alert_again(uow, ding, unconfirmed, kind="reminder", round_=round_)
    await recipients.set_reminded(ding.id, unconfirmed, round_)
    if ding.channel != "in_app" or ding.escalate_after_minutes:
        rows = await recipients.of_members(ding.id, unconfirmed)
        by_channel: dict[str, list[int]] = {}
        for r in rows:
            channel = max(ding.channel, r.escalated_channel or "in_app", key=LADDER.index)
            if channel != "in_app":
                by_channel.setdefault(channel, []).append(r.member_id)
        for channel, ids in by_channel.items():
            _enqueue_notices(uow, ding, ids, channel=channel, kind="reminder", round_=round_)
    if round_ < ding.remind_times:
        _enqueue_round(uow, ding, round_ + 1)
    return len(unconfirmed)


async def do_escalate(uow: UnitOfWork, org_id: int, ding_id: int, step: int) -> int:
    """Escalation step `step`: the unconfirmed move one channel up (SMS, then call)."""
    ding = await DingRepository(uow.session, org_id).get(ding_id)
    if ding is None or ding.status != "sent":
        return 0
    ladder = escalation_ladder(ding.channel)
    if step > len(ladder):
        return 0
    channel = ladder[step - 1]
    recipients = DingRecipientRepository(uow.session, org_id)
    unconfirmed = await recipients.unconfirmed_ids(ding.id)
    if not unconfirmed:
        return 0
    await recipients.set_escalated(ding.id, unconfirmed, channel)
    _enqueue_notices(uow, ding, unconfirmed, channel=channel, kind="escalation", round_=step)
    if step < len(ladder):
        _enqueue_escalation(uow, ding, step + 1)
    return len(unconfirmed)


@dataclass(frozen=True, slots=True)
class PlannedNotice:
    notice: Notice
    attempt: int


async def plan_notice(session: AsyncSession, org_id: int, args: dict[str, Any]) -> PlannedNotice | None:
    """What a ding.notify job should send, or None: the DING is gone, the person confirmed,
    or an earlier run already delivered this notice (then nothing is sent twice)."""
    ding = await DingRepository(session, org_id).get(int(args["ding_id"]))
    member_id = int(args["member_id"])
    if ding is None or ding.status != "sent":
        return None
    me = await DingRecipientRepository(session, org_id).one(ding.id, member_id)
    if me is None or me.confirmed_at is not None:
        return None
    kind, round_, channel = str(args["kind"]), int(args["round"]), str(args["channel"])
    attempts = await DingDeliveryRepository(session, org_id).attempts(ding.id, member_id, kind, round_, channel)
    if any(a.status == "sent" for a in attempts):
        return None
    contacts = await member_contacts(session, org_id, [member_id, ding.sender_member_id])
    person, sender = contacts.get(member_id), contacts.get(ding.sender_member_id)
    notice = Notice(
        delivery_key=f"ding:{ding.id}:member:{member_id}:{kind}:{round_}:{channel}",
        org_id=org_id,
        ding_id=ding.id,
        member_id=member_id,
        name=person.name if person else "",
        phone=person.phone if person else None,
        channel=channel,
        kind=kind,
        round=round_,
        sender_name=sender.name if sender else "",
        text=ding.text,
    )
    return PlannedNotice(notice, attempt=len(attempts) + 1)


async def do_record_attempt(uow: UnitOfWork, planned: PlannedNotice, provider: str, error: str | None) -> None:
    n = planned.notice
    await DingDeliveryRepository(uow.session, n.org_id).add_many(
        [
            {"ding_id": n.ding_id, "member_id": n.member_id, "kind": n.kind, "round": n.round, "channel": n.channel,
             "provider": provider, "attempt": planned.attempt, "status": "failed" if error else "sent",
             "error": error, "created_at": utc_now()}
        ]
    )


async def do_post_cards(uow: UnitOfWork, org_id: int, ding_id: int, member_ids: list[int]) -> int:
    """The DING as a card in the 1:1 chat between sender and each of these recipients; a
    recipient who already has their card is skipped, so a re-run posts nothing twice."""
    ding = await DingRepository(uow.session, org_id).get(ding_id)
    if ding is None or ding.status != "sent":
        return 0
    posted = 0
    content = {
        "title": "DING",
        "text": ding.text,
        "buttons": [{"title": "确认", "url": "", "action": f"ding.confirm:{ding.id}"}],
        "ding_id": ding.id,
        **({"attachment": ding.attachment} if ding.attachment else {}),
    }
    for row in await DingRecipientRepository(uow.session, org_id).of_members(ding.id, member_ids):
        if row.card_message_id is not None:
            continue
        message = await do_post_direct_card(
            uow, org_id, sender_member_id=ding.sender_member_id, other_member_id=row.member_id, content=content
        )
        row.card_message_id = message.id
        posted += 1
    await uow.session.flush()
    return posted

