"""Work notifications (工作通知): each member has one conversation of kind "work_notice" where
apps post messages (the open platform's asyncsend_v2 lands here).

Choices:
- One conversation per member, created on the first notice, with that member alone in it;
  keyed by direct_key "work_notice:<member id>" (unique per org), never a managed group, so
  directory syncs leave it alone.
- Nobody can write into it (mute_all, and it has no owner or admin); the member reads, and
  read pointers work as in any conversation (the sender sees read / unread through them).
- Messages have no sender member; `content.app` names the app that sent them.
"""

from typing import Any

from tack.chat.access import member_account_ids
from tack.chat.actions.conversations import do_create_conversation
from tack.chat.actions.messages import do_append_message, notify_message_add
from tack.chat.events import EventConversationAdd
from tack.chat.models import Conversation
from tack.chat.reads import conversation_read, message_read
from tack.chat.repository import ConversationRepository, MessageRepository
from tack.chat.search import message_tokens, normalize
from tack.storage.uow import UnitOfWork

WORK_NOTICE = "work_notice"
NAME = "工作通知"


def _key(member_id: int) -> str:
    return f"{WORK_NOTICE}:{member_id}"


async def _conversation(uow: UnitOfWork, org_id: int, member_id: int) -> Conversation:
    repo = ConversationRepository(uow.session, org_id)
    existing = await repo.by_direct_key(_key(member_id))
    if existing is not None:
        locked = await repo.get_locked(existing.id)
        assert locked is not None
        return locked
    conversation, _rows = await do_create_conversation(
        uow, org_id, kind=WORK_NOTICE, name=NAME, direct_key=_key(member_id), roles={member_id: "member"}
    )
    conversation.mute_all = True
    await uow.session.flush()
    shared = await conversation_read(uow.session, conversation)
    uow.publish(EventConversationAdd(conversation=shared).to_event(org_id, await member_account_ids(uow.session, org_id, conversation.id)))
    return conversation


async def do_post_work_notice(
    uow: UnitOfWork, org_id: int, member_id: int, *, kind: str, content: dict[str, Any]
) -> tuple[int, int, int]:
    """Posts one message (kind text | markdown | card, chat's content shapes) into the member's
    work-notification conversation; trusts its input (an active member of the org).
    Returns (conversation id, message id, seq).

    Emits: conversation/add on first use; message/add to the member.
    """
    conversation = await _conversation(uow, org_id, member_id)
    searchable = normalize(f"{content.get('title', '')}\n{content.get('text', '')}")
    message = await do_append_message(
        uow, conversation, sender_member_id=None, kind=kind, content=content, search_text=searchable,
        mention_member_ids=[], mention_all=False,
    )
    await MessageRepository(uow.session, org_id).add_tokens(message, message_tokens(searchable))
    await notify_message_add(uow, conversation, message_read(message))
    return conversation.id, message.id, message.seq
