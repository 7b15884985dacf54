"""Builders of Read schemas from chat rows, shared by actions (event payloads) and queries."""

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from tack.chat.models import Conversation, ConversationMember, Message
from tack.chat.repository import (
    ChatSettingsRepository,
    ConversationMemberRepository,
    MessageRepository,
)
from tack.chat.schemas import ConversationRead, ConversationView, MessageRead, ReplyRead
from tack.directory.queries import member_cards, member_cards_now

EXCERPT_CHARS = 100


def receipt_kind(conversation: Conversation) -> str:
    return conversation.managed_kind or conversation.kind


async def receipts_off_kinds(session: AsyncSession, org_id: int) -> set[str]:
    settings = await ChatSettingsRepository(session, org_id).get()
    return set(settings.receipts_off_kinds) if settings is not None else set()


async def receipts_enabled(session: AsyncSession, conversation: Conversation) -> bool:
    return receipt_kind(conversation) not in await receipts_off_kinds(session, conversation.org_id)


def _excerpt(message: Message) -> str:
    if message.recalled_at is not None:
        return ""
    text = message.content.get("text", "") if message.kind != "card" else message.content.get("title", "")
    return str(text)[:EXCERPT_CHARS]


def reply_read(message: Message) -> ReplyRead:
    return ReplyRead(
        message_id=message.id,
        seq=message.seq,
        sender_member_id=message.sender_member_id,
        kind=message.kind,  # type: ignore[arg-type]
        recalled=message.recalled_at is not None,
        excerpt=_excerpt(message),
    )


def message_read(message: Message, reply_to: Message | None = None, *, unread_count: int | None = None) -> MessageRead:
    recalled = message.recalled_at is not None
    return MessageRead(
        id=message.id,
        conversation_id=message.conversation_id,
        seq=message.seq,
        sender_member_id=message.sender_member_id,
        kind=message.kind,  # type: ignore[arg-type]
        content={} if recalled else dict(message.content),
        client_msg_id=message.client_msg_id,
        reply_to=reply_read(reply_to) if reply_to is not None else None,
        mention_member_ids=list(message.mention_member_ids or []),
        mention_all=message.mention_all,
        recalled=recalled,
        recalled_at=message.recalled_at,
        recalled_by_member_id=message.recalled_by_member_id,
        pinned=message.pinned_at is not None,
        pinned_at=message.pinned_at,
        created_at=message.created_at,
        unread_count=unread_count,
    )


async def messages_read(
    session: AsyncSession, org_id: int, messages: list[Message], *, viewer_member_id: int | None = None
) -> list[MessageRead]:
    """Loads quoted messages in one query; counts unread on the viewer's own messages (one
    indexed range count each, so a page of 50 in a 10,000-member group stays cheap)."""
    repo = MessageRepository(session, org_id)
    reply_ids = {m.reply_to_message_id for m in messages if m.reply_to_message_id}
    replies = {r.id: r for r in await repo.get_many(reply_ids)} if reply_ids else {}
    members = ConversationMemberRepository(session, org_id)
    out = []
    for m in messages:
        unread = None
        if viewer_member_id is not None and m.sender_member_id == viewer_member_id and m.recalled_at is None:
            unread = await members.count_unread(m.conversation_id, m.seq)
        reply = replies.get(m.reply_to_message_id) if m.reply_to_message_id else None
        out.append(message_read(m, reply, unread_count=unread))
    return out


async def conversation_reads(session: AsyncSession, conversations: list[Conversation]) -> dict[int, ConversationRead]:
    """ConversationRead for many conversations with one query for their admins and 1:1 members."""
    if not conversations:
        return {}
    repo = ConversationMemberRepository(session, conversations[0].org_id)
    direct = {c.id for c in conversations if c.kind == "direct"}
    off = await receipts_off_kinds(session, conversations[0].org_id)
    admins: dict[int, list[int]] = {}
    members: dict[int, list[int]] = {}
    for conversation_id, member_id, role in await repo.roles([c.id for c in conversations], direct):
        if conversation_id in direct:
            members.setdefault(conversation_id, []).append(member_id)
        elif role == "admin":
            admins.setdefault(conversation_id, []).append(member_id)
    return {c.id: shared_read(c, admins.get(c.id, []), members.get(c.id, []), off) for c in conversations}


def shared_read(c: Conversation, admin_ids: list[int], direct_ids: list[int], off: set[str]) -> ConversationRead:
    """One conversation's shared state, from its row (an ORM object or a Core row with the
    table's column names), its admins, its 1:1 members and the kinds with receipts off."""
    return ConversationRead(
        id=c.id,
        kind=c.kind,  # type: ignore[arg-type]
        name=c.name,
        owner_member_id=c.owner_member_id,
        admin_member_ids=sorted(admin_ids),
        direct_member_ids=sorted(direct_ids),
        notice=c.notice,
        mute_all=c.mute_all,
        member_count=c.member_count,
        last_seq=c.last_seq,
        last_message_at=c.last_message_at,
        dissolved=c.dissolved_at is not None,
        created_at=c.created_at,
        managed=c.managed_kind,  # type: ignore[arg-type]
        department_id=c.department_id,
        receipts_enabled=receipt_kind(c) not in off,
    )


async def conversation_read(session: AsyncSession, conversation: Conversation) -> ConversationRead:
    return (await conversation_reads(session, [conversation]))[conversation.id]


def peer_of(shared: ConversationRead, me_member_id: int) -> int | None:
    if shared.kind != "direct":
        return None
    return next((m for m in shared.direct_member_ids if m != me_member_id), None)


async def peer_names(session: AsyncSession, org_id: int, me_member_id: int, shared: list[ConversationRead]) -> dict[int, str]:
    """Display names of the other members of the viewer's 1:1 conversations, in one query."""
    peers = {p for s in shared if (p := peer_of(s, me_member_id)) is not None}
    return {card.id: card.name for card in (await member_cards(session, org_id, peers)).values()}


def peer_names_now(db: Connection | Session, org_id: int, me_member_id: int, shared: list[ConversationRead]) -> dict[int, str]:
    """peer_names for synchronous code inside SQLAlchemy's greenlet (chat.queries.conversations_now)."""
    peers = {p for s in shared if (p := peer_of(s, me_member_id)) is not None}
    return {card.id: card.name for card in member_cards_now(db, org_id, peers).values()}


def conversation_view(
    shared: ConversationRead,
    me: ConversationMember,
    last_message: MessageRead | None = None,
    *,
    names: dict[int, str] | None = None,
) -> ConversationView:
    peer = peer_of(shared, me.member_id)
    return ConversationView(
        **shared.model_dump(),
        my_role=me.role,  # type: ignore[arg-type]
        last_read_seq=me.last_read_seq,
        unread_count=max(0, shared.last_seq - me.last_read_seq),
        muted=me.muted,
        pinned=me.pinned_at is not None,
        last_message=last_message,
        peer_member_id=peer,
        peer_name=(names or {}).get(peer) if peer is not None else None,
    )
