"""Builders of Read schemas from DING rows, shared by actions (event payloads) and queries."""

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.clock import as_utc
from tack.ding.models import Ding, DingRecipient
from tack.ding.repository import DingRecipientRepository
from tack.ding.schemas import DingAlert, DingRead
from tack.directory.queries import member_contacts


def ding_alert(ding: Ding, sender_name: str, *, reason: str = "send", round_: int = 0) -> DingAlert:
    assert ding.sent_at is not None
    return DingAlert(
        ding_id=ding.id,
        sender_member_id=ding.sender_member_id,
        sender_name=sender_name,
        text=ding.text,
        attachment=ding.attachment,
        channel=ding.channel,  # type: ignore[arg-type]
        sent_at=as_utc(ding.sent_at),
        reason=reason,  # type: ignore[arg-type]
        round=round_,
    )


async def sender_names(session: AsyncSession, org_id: int, dings: list[Ding]) -> dict[int, str]:
    contacts = await member_contacts(session, org_id, {d.sender_member_id for d in dings})
    return {i: c.name for i, c in contacts.items()}


async def ding_reads(
    session: AsyncSession, org_id: int, dings: list[Ding], *, viewer_member_id: int, mine: dict[int, DingRecipient] | None = None
) -> list[DingRead]:
    """Counts for every DING in one grouped query; a recipient's own state from `mine`."""
    counts = await DingRecipientRepository(session, org_id).counts([d.id for d in dings])
    names = await sender_names(session, org_id, dings)
    mine = mine or {}
    out = []
    for d in dings:
        total, confirmed = counts.get(d.id, (0, 0))
        row = mine.get(d.id)
        out.append(
            DingRead(
                id=d.id,
                sender_member_id=d.sender_member_id,
                sender_name=names.get(d.sender_member_id, ""),
                text=d.text,
                attachment=d.attachment,
                channel=d.channel,  # type: ignore[arg-type]
                status=d.status,  # type: ignore[arg-type]
                send_at=d.send_at,
                sent_at=d.sent_at,
                created_at=d.created_at,
                remind_every_minutes=d.remind_every_minutes,
                remind_times=d.remind_times,
                escalate_after_minutes=d.escalate_after_minutes,
                recipient_count=total if d.sender_member_id == viewer_member_id else None,
                confirmed_count=confirmed if d.sender_member_id == viewer_member_id else None,
                my_confirmed_at=row.confirmed_at if row is not None else None,
                is_sender=d.sender_member_id == viewer_member_id,
            )
        )
    return out
