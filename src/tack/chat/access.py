"""Permission-checked loads of conversations and messages, and the audiences of chat events.

A conversation that does not exist, belongs to another organization, or does not include
the actor fails the same way: 404 conversation_not_found.
"""

from dataclasses import dataclass

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from tack.chat.models import Conversation, ConversationMember, Message
from tack.directory.queries import active_accounts_stmt, member_cards
from tack.chat.repository import (
    MEMBER_IDS_OF_CONVERSATION,
    ConversationMemberRepository,
    ConversationRepository,
    MessageRepository,
    ReceiptAccessRepository,
)
from tack.core.actor import Actor
from tack.core.errors import BadRequest, Forbidden, NotFound
from tack.directory.access import org_id_of


class ConversationNotFound(NotFound):
    code = "conversation_not_found"
    message = "No such conversation, or you are not in it"


class MessageNotFound(NotFound):
    code = "message_not_found"
    message = "No such message in this conversation"


class NotGroupAdmin(Forbidden):
    code = "group_admin_required"
    message = "Only the group owner or an admin may do that"


class ManagedGroup(BadRequest):
    code = "managed_group"
    message = "This group follows the directory: its members cannot be changed by hand"


@dataclass(slots=True)
class Membership:
    conversation: Conversation
    me: ConversationMember

    @property
    def is_group_admin(self) -> bool:
        return self.conversation.kind == "group" and self.me.role in ("owner", "admin")

    @property
    def is_owner(self) -> bool:
        return self.conversation.kind == "group" and self.me.role == "owner"


def my_member_id(actor: Actor) -> int:
    if actor.member_id is None:
        raise ConversationNotFound()
    return actor.member_id


async def access_conversation_by_id(
    session: AsyncSession, actor: Actor, conversation_id: int, *, lock: bool = False
) -> Membership:
    """The conversation and the actor's membership row; `lock` takes the conversation row
    lock first (always conversation before messages), for writes that bump last_seq."""
    org_id = org_id_of(actor)
    member_id = my_member_id(actor)
    repo = ConversationRepository(session, org_id)
    conversation = await (repo.get_locked(conversation_id) if lock else repo.get(conversation_id))
    if conversation is None:
        raise ConversationNotFound()
    me = await ConversationMemberRepository(session, org_id).one(conversation_id, member_id)
    if me is None:
        raise ConversationNotFound()
    return Membership(conversation, me)


async def access_message_by_id(
    session: AsyncSession, actor: Actor, conversation_id: int, message_id: int, *, lock: bool = False
) -> tuple[Membership, Message]:
    membership = await access_conversation_by_id(session, actor, conversation_id, lock=lock)
    message = await MessageRepository(session, org_id_of(actor)).in_conversation(conversation_id, message_id)
    if message is None:
        raise MessageNotFound()
    return membership, message


async def access_group_as_operator(session: AsyncSession, org_id: int, conversation_id: int) -> Conversation:
    """The operator at the console (the `tack` CLI) acts on any open group of an
    organization; a 1:1 chat, a dissolved group or another org's fails as missing."""
    conversation = await ConversationRepository(session, org_id).get(conversation_id)
    if conversation is None or conversation.kind != "group" or conversation.dissolved_at is not None:
        raise ConversationNotFound()
    return conversation


def require_group_admin(membership: Membership) -> None:
    if not membership.is_group_admin:
        raise NotGroupAdmin()


def refuse_managed(conversation: Conversation) -> None:
    """Department and all-staff groups still kept in step with the directory: adding,
    removing, leaving and renaming by hand are refused (membership follows the directory)."""
    if conversation.managed_key is not None:
        raise ManagedGroup()


def may_see_receipts(membership: Membership, message: Message) -> bool:
    """Who may list the people who have and have not read a message.

    - Its sender.
    - The owner and admins of a group (DingTalk lets group admins follow up).
    - Nobody else: ordinary members see only the count, and nobody sees lists of
      another organization (the conversation is already scoped to the actor's org).
    - System messages have no receipts.
    """
    return _may_see_receipts(message.kind, message.sender_member_id, membership.me.member_id, membership.is_group_admin)


def _may_see_receipts(message_kind: str, sender_member_id: int | None, member_id: int, is_group_admin: bool) -> bool:
    if message_kind == "system":
        return False
    return sender_member_id == member_id or is_group_admin


@dataclass(frozen=True, slots=True)
class ReceiptAccess:
    """What a read-receipt lookup knows of its message once the asker's access is checked."""

    member_id: int
    role: str
    conversation_kind: str
    managed_kind: str | None
    message_id: int
    seq: int
    message_kind: str
    sender_member_id: int | None
    receipts_off_kinds: frozenset[str]

    @property
    def is_group_admin(self) -> bool:
        return self.conversation_kind == "group" and self.role in ("owner", "admin")

    @property
    def may_see_lists(self) -> bool:
        """The same rule as may_see_receipts: the sender, or the group's owner and admins."""
        return _may_see_receipts(self.message_kind, self.sender_member_id, self.member_id, self.is_group_admin)

    @property
    def receipts_enabled(self) -> bool:
        """Receipts of this kind of conversation are not turned off (reads.receipt_kind)."""
        return (self.managed_kind or self.conversation_kind) not in self.receipts_off_kinds


async def access_receipts(session: AsyncSession, actor: Actor, conversation_id: int, message_id: int) -> ReceiptAccess:
    """access_message_by_id for the read-receipt lookups, in ONE statement of plain columns
    (conversation, membership, message and the org's receipt settings), with the same
    failures: 404 conversation_not_found, then 404 message_not_found."""
    org_id = org_id_of(actor)
    member_id = my_member_id(actor)
    row = await ReceiptAccessRepository(session, org_id).target(conversation_id, message_id, member_id)
    if row is None:
        raise ConversationNotFound()
    if row.message_id is None:
        raise MessageNotFound()
    return ReceiptAccess(
        member_id=member_id,
        role=row.role,
        conversation_kind=row.conversation_kind,
        managed_kind=row.managed_kind,
        message_id=row.message_id,
        seq=row.seq,
        message_kind=row.message_kind,
        sender_member_id=row.sender_member_id,
        receipts_off_kinds=frozenset(row.receipts_off_kinds or ()),
    )


# --- audiences --------------------------------------------------------------------------


# Built once: every message sent reads its audience with it.
_AUDIENCE = active_accounts_stmt(MEMBER_IDS_OF_CONVERSATION)


async def member_account_ids(session: AsyncSession, org_id: int, conversation_id: int) -> list[int]:
    """Accounts of every active member of the conversation: the audience of its events."""
    return list((await session.execute(_AUDIENCE, {"org_id": org_id, "conversation_id": conversation_id})).scalars())


def member_account_ids_on(conn: Connection, org_id: int, conversation_id: int) -> list[int]:
    """member_account_ids on a synchronous Connection (the send path's write hop)."""
    return list(conn.execute(_AUDIENCE, {"org_id": org_id, "conversation_id": conversation_id}).scalars())


async def account_ids_of(session: AsyncSession, org_id: int, member_ids: list[int] | set[int]) -> list[int]:
    """Accounts of the given members (the few people a pointer or a removal concerns)."""
    cards = await member_cards(session, org_id, member_ids)
    return [c.account_id for c in cards.values() if c.active and c.account_id is not None]
