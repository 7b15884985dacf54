"""Reads of DING for the API: sent and received lists, pending alerts, detail, recipients, settings."""

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.ding.access import access_ding_by_id, my_member_id, org_settings, require_sender
from tack.ding.reads import ding_alert, ding_reads, sender_names
from tack.ding.repository import DingRecipientRepository, DingRepository
from tack.ding.schemas import DingList, DingRead, DingSettingsRead, PendingList, RecipientList, RecipientRead
from tack.directory.access import org_id_of
from tack.directory.queries import member_contacts

MAX_PAGE = 100
MAX_PENDING = 200


async def list_sent(session: AsyncSession, actor: Actor, *, before_id: int | None = None, limit: int = 20) -> DingList:
    """DINGs the actor sent, newest first, with recipient and confirmed counts."""
    org_id, me = org_id_of(actor), my_member_id(actor)
    limit = max(1, min(limit, MAX_PAGE))
    rows = await DingRepository(session, org_id).sent_page(me, before_id=before_id, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return DingList(items=await ding_reads(session, org_id, rows, viewer_member_id=me), next_before_id=rows[-1].id if more else None)


async def list_received(
    session: AsyncSession,
    actor: Actor,
    *,
    state: Literal["all", "pending", "confirmed"] = "all",
    before_id: int | None = None,
    limit: int = 20,
) -> DingList:
    """DINGs the actor received (sent ones only), newest first, with their own confirmation."""
    org_id, me = org_id_of(actor), my_member_id(actor)
    limit = max(1, min(limit, MAX_PAGE))
    pairs = await DingRecipientRepository(session, org_id).received_page(me, state=state, before_id=before_id, limit=limit + 1)
    more = len(pairs) > limit
    pairs = pairs[:limit]
    items = await ding_reads(session, org_id, [d for _, d in pairs], viewer_member_id=me, mine={d.id: r for r, d in pairs})
    return DingList(items=items, next_before_id=pairs[-1][1].id if more else None)


async def list_pending(session: AsyncSession, actor: Actor) -> PendingList:
    """The alerts a client shows until confirmed: after a reconnect it restores them from here."""
    org_id, me = org_id_of(actor), my_member_id(actor)
    pairs = await DingRecipientRepository(session, org_id).received_page(me, state="pending", before_id=None, limit=MAX_PENDING)
    dings = [d for _, d in pairs]
    names = await sender_names(session, org_id, dings)
    return PendingList(
        items=[ding_alert(d, names.get(d.sender_member_id, ""), reason="reminder" if r.reminders else "send", round_=r.reminders) for r, d in pairs]
    )


async def get_ding(session: AsyncSession, actor: Actor, ding_id: int) -> DingRead:
    access = await access_ding_by_id(session, actor, ding_id)
    mine = {access.ding.id: access.me} if access.me is not None else None
    [read] = await ding_reads(session, access.ding.org_id, [access.ding], viewer_member_id=my_member_id(actor), mine=mine)
    return read


async def list_recipients(
    session: AsyncSession,
    actor: Actor,
    ding_id: int,
    *,
    state: Literal["all", "confirmed", "unconfirmed"] = "all",
    offset: int = 0,
    limit: int = 100,
) -> RecipientList:
    """Who confirmed and who did not: the sender only (403 ding_sender_only for recipients)."""
    access = await access_ding_by_id(session, actor, ding_id)
    require_sender(access)
    org_id = access.ding.org_id
    repo = DingRecipientRepository(session, org_id)
    limit = max(1, min(limit, MAX_PAGE))
    rows = await repo.page(ding_id, state=state, offset=offset, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    names = await member_contacts(session, org_id, [r.member_id for r in rows])
    total, confirmed = (await repo.counts([ding_id])).get(ding_id, (0, 0))
    return RecipientList(
        ding_id=ding_id,
        recipient_count=total,
        confirmed_count=confirmed,
        state=state,
        items=[
            RecipientRead(
                member_id=r.member_id,
                name=names[r.member_id].name if r.member_id in names else "",
                delivered_at=r.delivered_at,
                confirmed_at=r.confirmed_at,
                reminders=r.reminders,
                escalated_channel=r.escalated_channel,  # type: ignore[arg-type]
            )
            for r in rows
        ],
        next_offset=offset + limit if more else None,
    )


async def get_settings(session: AsyncSession, actor: Actor) -> DingSettingsRead:
    return await org_settings(session, org_id_of(actor))
