"""Permission-checked loads of DINGs and the org's DING settings.

A DING that does not exist, belongs to another organization, or concerns neither the sender
nor a recipient fails the same way: 404 ding_not_found. Recipients see a scheduled DING
only once it is sent.
"""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.core.errors import Forbidden, NotFound
from tack.ding.models import Ding, DingRecipient
from tack.ding.repository import DingRecipientRepository, DingRepository, DingSettingsRepository
from tack.ding.schemas import DingSettingsRead
from tack.directory.access import org_id_of


class DingNotFound(NotFound):
    code = "ding_not_found"
    message = "No such DING"


class SenderOnly(Forbidden):
    code = "ding_sender_only"
    message = "Only the sender of the DING may do that"


@dataclass(slots=True)
class DingAccess:
    ding: Ding
    me: DingRecipient | None  # the actor's recipient row, when they are one

    @property
    def is_sender(self) -> bool:
        return self.me is None


def my_member_id(actor: Actor) -> int:
    if actor.member_id is None:
        raise DingNotFound()
    return actor.member_id


async def access_ding_by_id(session: AsyncSession, actor: Actor, ding_id: int, *, lock: bool = False) -> DingAccess:
    """The DING for its sender or one of its recipients (once sent)."""
    org_id, me = org_id_of(actor), my_member_id(actor)
    repo = DingRepository(session, org_id)
    ding = await (repo.get_locked(ding_id) if lock else repo.get(ding_id))
    if ding is None:
        raise DingNotFound()
    if ding.sender_member_id == me:
        return DingAccess(ding, None)
    row = await DingRecipientRepository(session, org_id).one(ding_id, me)
    if row is None or ding.status != "sent":
        raise DingNotFound()
    return DingAccess(ding, row)


def require_sender(access: DingAccess) -> None:
    if not access.is_sender:
        raise SenderOnly()


async def org_settings(session: AsyncSession, org_id: int) -> DingSettingsRead:
    """The org's settings; defaults when an admin never changed them."""
    row = await DingSettingsRepository(session, org_id).current()
    if row is None:
        return DingSettingsRead()
    return DingSettingsRead(
        who_may_send=row.who_may_send,  # type: ignore[arg-type]
        sms_allowed_for=row.sms_allowed_for,  # type: ignore[arg-type]
        call_allowed_for=row.call_allowed_for,  # type: ignore[arg-type]
        daily_limit=row.daily_limit,
        default_remind_every_minutes=row.default_remind_every_minutes,
        default_remind_times=row.default_remind_times,
        min_remind_every_minutes=row.min_remind_every_minutes,
        max_remind_times=row.max_remind_times,
        min_escalate_after_minutes=row.min_escalate_after_minutes,
    )


def channel_allowed(settings: DingSettingsRead, actor: Actor, channel: str) -> bool:
    """In-app: everyone who may send at all. SMS / call: by the org's setting for that channel."""
    if channel == "in_app":
        return True
    allowed_for = settings.sms_allowed_for if channel == "sms" else settings.call_allowed_for
    return allowed_for == "everyone" or (allowed_for == "admins" and actor.is_admin)


def may_send(settings: DingSettingsRead, actor: Actor) -> bool:
    return settings.who_may_send == "everyone" or actor.is_admin
