"""Reads of chat for the API and the realtime snapshot: conversations, history, receipts, search."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Row, bindparam, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from tack.chat.access import (
    ReceiptAccess,
    access_conversation_by_id,
    access_receipts,
    my_member_id,
)
from tack.directory.queries import member_cards, member_names_by_id
from tack.chat.reads import (
    conversation_reads,
    conversation_view,
    message_read,
    messages_read,
    peer_names,
    peer_names_now,
    receipts_enabled,
    receipts_off_kinds,
    shared_read,
)
from tack.chat.models import ChatSettings, Conversation, ConversationMember, Message
from tack.chat.repository import ChatFileRepository, ConversationMemberRepository, MessageRepository
from tack.chat.schemas import (
    ChatOrgSettings,
    ConversationList,
    ConversationMemberList,
    ConversationMemberRead,
    ConversationView,
    MessageList,
    MessageRead,
    MessageUnreadCount,
    ReceiptList,
    ReceiptPerson,
    SearchHit,
    SearchResult,
)
from tack.chat.files import blob_path
from tack.chat.search import QueryTokens
from tack.core.actor import Actor
from tack.core.clock import as_utc
from tack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from tack.directory.access import org_id_of, require_admin

MAX_PAGE = 100
MAX_CONVERSATIONS = 500


class ReceiptsDisabled(Conflict):
    code = "receipts_disabled"
    message = "Read receipts are turned off for this kind of conversation"


async def get_chat_settings(session: AsyncSession, actor: Actor) -> ChatOrgSettings:
    """Org-level chat settings: owners and admins."""
    require_admin(actor)
    return ChatOrgSettings(receipts_off_kinds=sorted(await receipts_off_kinds(session, org_id_of(actor))))  # type: ignore[arg-type]


_CM, _C, _M = ConversationMember.__table__, Conversation.__table__, Message.__table__
_SETTINGS = ChatSettings.__table__
# Message columns that message_read uses, prefixed so they do not collide with the
# conversation's (see _Prefixed).
_LAST = [c.label("m_" + c.name) for c in _M.c if c.name not in ("org_id", "body_hash", "search_text")]
_MINE_COLS = [c.label("my_" + c.name) for c in (_CM.c.member_id, _CM.c.role, _CM.c.last_read_seq, _CM.c.muted, _CM.c.pinned_at)]
# The member's conversations, each with its newest message and the org's receipt settings,
# in one Core statement (no ORM objects): the realtime snapshot of every register.
_MY_CONVERSATIONS = (
    select(*_C.c, *_MINE_COLS, *_LAST, _SETTINGS.c.receipts_off_kinds)
    .select_from(_CM)
    .join(_C, _C.c.id == _CM.c.conversation_id)
    .outerjoin(_M, (_M.c.conversation_id == _C.c.id) & (_M.c.seq == _C.c.last_seq) & (_M.c.org_id == _CM.c.org_id))
    .outerjoin(_SETTINGS, _SETTINGS.c.org_id == _CM.c.org_id)
    .where(_CM.c.org_id == bindparam("org_id"), _CM.c.member_id == bindparam("member_id"))
    .order_by(_CM.c.pinned_at.is_(None), _CM.c.pinned_at.desc(), _C.c.last_message_at.desc(), _C.c.id.desc())
    .offset(bindparam("offset"))
    .limit(bindparam("limit"))
)
# Owners and admins of those conversations (ix_chat_conversation_member_role: no scan of a
# big group's members), and both members of the 1:1 ones among them; what
# ConversationMemberRepository.roles selects, as Core statements.
_ROLE_COLS = (_CM.c.conversation_id, _CM.c.member_id, _CM.c.role)
_ADMINS = select(*_ROLE_COLS).where(
    _CM.c.org_id == bindparam("org_id"),
    _CM.c.conversation_id.in_(bindparam("ids", expanding=True)),
    _CM.c.role.in_(("owner", "admin")),
)
_ADMINS_AND_PEERS = union(
    _ADMINS,
    select(*_ROLE_COLS).where(
        _CM.c.org_id == bindparam("org_id"), _CM.c.conversation_id.in_(bindparam("direct", expanding=True))
    ),
)


class _Prefixed:
    """The columns of a row that start with `prefix`, by their unprefixed names."""

    __slots__ = ("row", "prefix")

    def __init__(self, row: Row, prefix: str) -> None:  # type: ignore[type-arg]
        self.row, self.prefix = row, prefix

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, self.prefix + name)


async def list_conversations(session: AsyncSession, actor: Actor, *, offset: int = 0, limit: int = 200) -> ConversationList:
    """The actor's conversations (see conversations_now), in one hop into SQLAlchemy's greenlet."""
    return await session.run_sync(lambda s: conversations_now(s, actor, offset=offset, limit=limit))


def conversations_now(db: Connection | Session, actor: Actor, *, offset: int = 0, limit: int = 200) -> ConversationList:
    """The actor's conversations, pinned-to-top first, then by last activity, each with its
    unread count and last message. Two Core statements whatever the page size (three with
    1:1 conversations, for the peers' names); every register's snapshot is this, read on a
    bare connection (realtime.gateway), the conversation list through list_conversations.
    Synchronous, for code already inside SQLAlchemy's greenlet: a hop per statement through
    the async session was most of a register's snapshot cost."""
    org_id, me = org_id_of(actor), my_member_id(actor)
    params = {"org_id": org_id, "member_id": me, "offset": offset, "limit": min(limit, MAX_CONVERSATIONS)}
    rows = db.execute(_MY_CONVERSATIONS, params).all()
    if not rows:
        return ConversationList(items=[])
    off = set(rows[0].receipts_off_kinds or ())
    direct = {r.id for r in rows if r.kind == "direct"}
    admins: dict[int, list[int]] = {}
    members: dict[int, list[int]] = {}
    ids = [r.id for r in rows]
    if direct:
        roles = db.execute(_ADMINS_AND_PEERS, {"org_id": org_id, "ids": ids, "direct": list(direct)})
    else:
        roles = db.execute(_ADMINS, {"org_id": org_id, "ids": ids})
    for conversation_id, member_id, role in roles:
        if conversation_id in direct:
            members.setdefault(conversation_id, []).append(member_id)
        elif role == "admin":
            admins.setdefault(conversation_id, []).append(member_id)
    shared = {r.id: shared_read(r, admins.get(r.id, []), members.get(r.id, []), off) for r in rows}  # type: ignore[arg-type]
    names = peer_names_now(db, org_id, me, list(shared.values())) if direct else {}
    return ConversationList(
        items=[
            conversation_view(
                shared[r.id],
                _Prefixed(r, "my_"),  # type: ignore[arg-type]
                message_read(_Prefixed(r, "m_")) if r.m_id is not None else None,  # type: ignore[arg-type]
                names=names,
            )
            for r in rows
        ]
    )


async def get_conversation(session: AsyncSession, actor: Actor, conversation_id: int) -> ConversationView:
    membership = await access_conversation_by_id(session, actor, conversation_id)
    conversation = membership.conversation
    shared = (await conversation_reads(session, [conversation]))[conversation.id]
    last = (await MessageRepository(session, conversation.org_id).last_of([conversation])).get(conversation.id)
    names = await peer_names(session, conversation.org_id, membership.me.member_id, [shared])
    return conversation_view(shared, membership.me, message_read(last) if last else None, names=names)


async def list_messages(
    session: AsyncSession,
    actor: Actor,
    conversation_id: int,
    *,
    before_seq: int | None = None,
    after_seq: int | None = None,
    limit: int = 50,
) -> MessageList:
    """History in ascending seq: the newest page, scroll-back with before_seq, or catching up
    after a gap with after_seq (clients detect gaps from seq, independent of the transport)."""
    membership = await access_conversation_by_id(session, actor, conversation_id)
    org_id = membership.conversation.org_id
    limit = max(1, min(limit, MAX_PAGE))
    rows = await MessageRepository(session, org_id).page(
        conversation_id, before_seq=before_seq, after_seq=after_seq, limit=limit + 1
    )
    has_more = len(rows) > limit
    if has_more:
        rows = rows[:limit] if after_seq is not None else rows[1:]
    # With receipts off for this kind of conversation, own messages carry no unread count.
    viewer = membership.me.member_id if await receipts_enabled(session, membership.conversation) else None
    items = await messages_read(session, org_id, rows, viewer_member_id=viewer)
    return MessageList(items=items, last_seq=membership.conversation.last_seq, has_more=has_more)


async def list_pinned_messages(session: AsyncSession, actor: Actor, conversation_id: int) -> list[MessageRead]:
    membership = await access_conversation_by_id(session, actor, conversation_id)
    org_id = membership.conversation.org_id
    return await messages_read(session, org_id, await MessageRepository(session, org_id).pinned(conversation_id))


async def list_conversation_members(
    session: AsyncSession, actor: Actor, conversation_id: int, *, offset: int = 0, limit: int = 100
) -> ConversationMemberList:
    membership = await access_conversation_by_id(session, actor, conversation_id)
    org_id = membership.conversation.org_id
    repo = ConversationMemberRepository(session, org_id)
    rows = await repo.scalars(
        repo.base()
        .where(repo.model.conversation_id == conversation_id)
        .order_by(repo.model.member_id)
        .offset(offset)
        .limit(min(limit, MAX_PAGE))
    )
    cards = await member_cards(session, org_id, [r.member_id for r in rows])
    total = membership.conversation.member_count
    return ConversationMemberList(
        items=[
            ConversationMemberRead(
                member_id=r.member_id,
                name=cards[r.member_id].name if r.member_id in cards else "",
                role=r.role,  # type: ignore[arg-type]
                last_read_seq=r.last_read_seq,
            )
            for r in rows
        ],
        total=total,
        next_offset=offset + len(rows) if offset + len(rows) < total else None,
    )


async def get_unread_count(session: AsyncSession, actor: Actor, conversation_id: int, message_id: int) -> MessageUnreadCount:
    """How many have not read a message: any member may see the number (N人未读). Two
    statements: the checks (access_receipts) and one range count of an index."""
    target = await access_receipts(session, actor, conversation_id, message_id)
    if not target.receipts_enabled:
        raise ReceiptsDisabled()
    # Newcomers' pointers start at their joining seq and the sender's is past their own
    # message, so "pointer below seq" is exactly the receivers who have not read it.
    count = await ConversationMemberRepository(session, org_id_of(actor)).count_unread(conversation_id, target.seq)
    return MessageUnreadCount(message_id=target.message_id, seq=target.seq, unread_count=count)


async def list_receipts(
    session: AsyncSession,
    actor: Actor,
    conversation_id: int,
    message_id: int,
    *,
    state: Literal["read", "unread"],
    offset: int = 0,
    limit: int = 100,
) -> ReceiptList:
    """Who has read / not read a message (已读未读), from read pointers only.

    - Only the sender and the group's owner and admins may list names (see may_see_receipts);
      anyone else gets 403 receipts_forbidden, after the membership check, so a non-member
      still learns nothing (404).
    - Receivers are the members at the time of asking who had joined before the message;
      people who left are gone from the counts, newcomers never appear in them.
    - The sender is never a receiver of their own message.
    - "Read" means the member's pointer is at or past the message's seq.
    - Pages are ordered by member id, 100 at most; counts cover everyone.
    - Three statements whatever the group's size: the checks, both counts (index range
      counts), and the page with its names (the page is cut in SQL before names are joined).
    """
    target = await _receipt_lists_target(session, actor, conversation_id, message_id)
    org_id = org_id_of(actor)
    repo = ConversationMemberRepository(session, org_id)
    read_count, unread_count = await repo.receipt_counts(conversation_id, target.seq, target.sender_member_id)
    chosen = repo.receipt_stmt(conversation_id, target.seq, target.sender_member_id, read=state == "read")
    limit = max(1, min(limit, MAX_PAGE))
    rows = await member_names_by_id(session, org_id, chosen.order_by(repo.model.member_id).offset(offset).limit(limit + 1))
    more = len(rows) > limit
    return ReceiptList(
        message_id=target.message_id,
        seq=target.seq,
        read_count=read_count,
        unread_count=unread_count,
        state=state,
        items=[ReceiptPerson(member_id=i, name=name) for i, name in rows[:limit]],
        next_offset=offset + limit if more else None,
    )


async def _receipt_lists_target(session: AsyncSession, actor: Actor, conversation_id: int, message_id: int) -> ReceiptAccess:
    """404 when not a member or no such message, 403 unless the sender or a group admin, 409
    when receipts are off for this kind of conversation, in that order."""
    target = await access_receipts(session, actor, conversation_id, message_id)
    if not target.may_see_lists:
        raise Forbidden("Only the sender and group admins see who has read a message", code="receipts_forbidden")
    if not target.receipts_enabled:
        raise ReceiptsDisabled()
    return target


async def list_unread_member_ids(session: AsyncSession, actor: Actor, conversation_id: int, message_id: int) -> list[int]:
    """Everyone who has not read a message, for "remind those who have not read" (DING).
    Same permission as list_receipts."""
    target = await _receipt_lists_target(session, actor, conversation_id, message_id)
    repo = ConversationMemberRepository(session, org_id_of(actor))
    stmt = repo.receipt_stmt(conversation_id, target.seq, target.sender_member_id, read=False)
    return await repo.scalars(stmt.order_by(repo.model.member_id))


async def search_messages(
    session: AsyncSession,
    actor: Actor,
    q: str,
    *,
    conversation_id: int | None = None,
    sender_member_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 20,
) -> SearchResult:
    """Messages the actor can see: in conversations they are a member of now, not recalled,
    not system lines; newest first. See chat.search for how Chinese text is matched."""
    org_id, me = org_id_of(actor), my_member_id(actor)
    since, until = (as_utc(t) if t else None for t in (since, until))
    query = QueryTokens(q)
    if not query.normalized:
        raise BadRequest("Type something to search for", code="search_empty")
    members = ConversationMemberRepository(session, org_id)
    scope = members.mine(me)
    if conversation_id is not None:
        await access_conversation_by_id(session, actor, conversation_id)
        scope = scope.where(members.model.conversation_id == conversation_id)
    limit = max(1, min(limit, MAX_PAGE))
    rows = await MessageRepository(session, org_id).search(
        query,
        scope,
        sender_member_id=sender_member_id,
        since=since,
        until=until,
        before_id=before_id,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    reads = await messages_read(session, org_id, rows)
    return SearchResult(
        items=[SearchHit(conversation_id=r.conversation_id, message=r) for r in reads],
        next_before_id=rows[-1].id if more else None,
    )


@dataclass(frozen=True, slots=True)
class FileDownload:
    path: Path
    name: str
    content_type: str
    inline: bool


async def get_file(session: AsyncSession, actor: Actor, conversation_id: int, file_id: int, *, data_dir: Path) -> FileDownload:
    """An upload, for members of its conversation only; images are shown inline, every other
    file is a download whatever type the uploader claimed."""
    membership = await access_conversation_by_id(session, actor, conversation_id)
    row = await ChatFileRepository(session, membership.conversation.org_id).in_conversation(conversation_id, file_id)
    if row is None:
        raise NotFound("No such file in this conversation", code="file_not_found")
    path = blob_path(data_dir, row.path)
    if not path.exists():
        raise NotFound("The file's bytes are missing", code="file_not_found")
    inline = row.kind == "image"
    return FileDownload(path, row.name, row.content_type if inline else "application/octet-stream", inline)


async def last_read_seqs(session: AsyncSession, org_id: int, conversation_ids: list[int]) -> dict[tuple[int, int], int]:
    """(conversation, member) → read pointer, for other domains that track what they posted
    (the open platform's work notifications report read / unread from these)."""
    return await ConversationMemberRepository(session, org_id).read_pointers(conversation_ids)
