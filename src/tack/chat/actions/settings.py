"""Org-level chat settings: read receipts on for all (the default) or off for chosen kinds."""

from tack.chat.repository import ChatSettingsRepository
from tack.chat.schemas import ChatOrgSettings
from tack.core.actor import Actor
from tack.directory.access import org_id_of, require_admin
from tack.storage.uow import UnitOfWork


async def check_update_chat_settings(uow: UnitOfWork, actor: Actor, body: ChatOrgSettings) -> ChatOrgSettings:
    """Owners and admins. With receipts off for a kind of conversation, its messages carry
    no unread count, the receipt routes answer 409 receipts_disabled, and read pointers
    still move (unread counts of the conversation list keep working). Clients learn the
    change from receipts_enabled on the next conversation read (no event is sent).

    Raises: Forbidden (admin_required).
    """
    require_admin(actor)
    settings = await ChatSettingsRepository(uow.session, org_id_of(actor)).get_or_add()
    settings.receipts_off_kinds = sorted(set(body.receipts_off_kinds))
    await uow.session.flush()
    return ChatOrgSettings(receipts_off_kinds=settings.receipts_off_kinds)  # type: ignore[arg-type]
