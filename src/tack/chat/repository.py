"""Statements on chat's own tables; every one starts from OrgRepository.base() or filters org_id."""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy import ColumnElement, Connection, Row, Select, and_, bindparam, delete, func, insert, select, update

from tack.chat.models import ChatFile, ChatSettings, Conversation, ConversationMember, Message, MessageToken
from tack.chat.search import QueryTokens, prefix_upper_bound
from tack.storage.repository import OrgRepository


# The statements every message send runs, built once with their org as a bound parameter:
# building a statement and its cache key per call cost more CPU than SQLite spent running it
# (docs/performance.md, chat: a message sent alone).
_LOCKED_CONVERSATION = (
    select(Conversation).where(Conversation.org_id == bindparam("org_id"), Conversation.id == bindparam("id")).with_for_update()
)
_MEMBERS_AMONG = (
    select(ConversationMember)
    .where(
        ConversationMember.org_id == bindparam("org_id"),
        ConversationMember.conversation_id == bindparam("conversation_id"),
        ConversationMember.member_id.in_(bindparam("member_ids", expanding=True)),
    )
    .order_by(ConversationMember.member_id)
)
# Member ids of a conversation, bound by "org_id" and "conversation_id" (chat.access builds the
# audience of every message on it once).
MEMBER_IDS_OF_CONVERSATION = select(ConversationMember.__table__.c.member_id).where(
    ConversationMember.__table__.c.org_id == bindparam("org_id"),
    ConversationMember.__table__.c.conversation_id == bindparam("conversation_id"),
)
_BY_CLIENT_IDS = select(Message).where(
    Message.org_id == bindparam("org_id"),
    Message.sender_member_id.in_(bindparam("senders", expanding=True)),
    Message.client_msg_id.in_(bindparam("client_ids", expanding=True)),
)


class ConversationRepository(OrgRepository[Conversation]):
    model = Conversation

    async def get_locked(self, conversation_id: int) -> Conversation | None:
        """SELECT ... FOR UPDATE on PostgreSQL; on SQLite the write transaction already holds
        the database lock (BEGIN IMMEDIATE), so the clause is not needed there."""
        params = {"org_id": self.org_id, "id": conversation_id}
        return (await self.session.execute(_LOCKED_CONVERSATION, params)).scalar_one_or_none()

    async def by_direct_key(self, key: str) -> Conversation | None:
        stmt = self.base().where(Conversation.direct_key == key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def managed_locked(self, keys: list[str] | None = None) -> list[Conversation]:
        """The groups kept in step with the directory (all of them, or those with the given
        keys), locked in id order so two syncs never wait on each other in a circle."""
        stmt = self.base().where(Conversation.managed_key.is_not(None))
        if keys is not None:
            stmt = stmt.where(Conversation.managed_key.in_(keys))
        return await self.scalars(stmt.order_by(Conversation.id).with_for_update())


class ConversationMemberRepository(OrgRepository[ConversationMember]):
    model = ConversationMember

    async def one(self, conversation_id: int, member_id: int) -> ConversationMember | None:
        stmt = self.base().where(
            ConversationMember.conversation_id == conversation_id, ConversationMember.member_id == member_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def of_conversation(self, conversation_id: int, member_ids: list[int] | None = None) -> list[ConversationMember]:
        if member_ids is not None:
            params = {"org_id": self.org_id, "conversation_id": conversation_id, "member_ids": member_ids}
            return await self.scalars(_MEMBERS_AMONG, params)
        stmt = self.base().where(ConversationMember.conversation_id == conversation_id)
        return await self.scalars(stmt.order_by(ConversationMember.member_id))

    async def pointers_of(self, conversation_id: int, member_ids: list[int]) -> dict[int, int]:
        """member id → read pointer, for those of `member_ids` in the conversation (plain rows:
        a batch of read marks in a big group needs only these two numbers)."""
        stmt = select(ConversationMember.member_id, ConversationMember.last_read_seq).where(
            ConversationMember.org_id == self.org_id,
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.member_id.in_(member_ids),
        )
        return {m: seq for m, seq in await self.session.execute(stmt)}

    async def read_pointers(self, conversation_ids: list[int]) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = {}
        ids = sorted(set(conversation_ids))
        for start in range(0, len(ids), 5000):  # under the drivers' bound-parameter limits
            stmt = select(
                ConversationMember.conversation_id, ConversationMember.member_id, ConversationMember.last_read_seq
            ).where(ConversationMember.org_id == self.org_id, ConversationMember.conversation_id.in_(ids[start : start + 5000]))
            for conversation_id, member_id, seq in await self.session.execute(stmt):
                out[(conversation_id, member_id)] = seq
        return out

    def member_ids_stmt(self, conversation_id: int) -> Select[tuple[int]]:
        return select(ConversationMember.member_id).where(
            ConversationMember.org_id == self.org_id, ConversationMember.conversation_id == conversation_id
        )

    async def member_ids(self, conversation_id: int) -> list[int]:
        return await self.scalars(self.member_ids_stmt(conversation_id))

    async def roles(self, conversation_ids: list[int], direct_ids: set[int]) -> list[tuple[int, int, str]]:
        """(conversation, member, role) of the owners and admins of the given conversations,
        and of every member of the 1:1 ones among them (two each)."""
        if not conversation_ids:
            return []
        cond = ConversationMember.role.in_(("owner", "admin"))
        if direct_ids:
            cond = cond | ConversationMember.conversation_id.in_(list(direct_ids))
        stmt = select(ConversationMember.conversation_id, ConversationMember.member_id, ConversationMember.role).where(
            ConversationMember.org_id == self.org_id, ConversationMember.conversation_id.in_(conversation_ids), cond
        )
        return [(c, m, r) for c, m, r in (await self.session.execute(stmt)).all()]

    async def admin_ids(self, conversation_id: int) -> list[int]:
        stmt = self.member_ids_stmt(conversation_id).where(ConversationMember.role.in_(("owner", "admin")))
        return await self.scalars(stmt.order_by(ConversationMember.member_id))

    async def add_many(self, conversation_id: int, member_ids: list[int], *, seq: int, joined_at: datetime) -> None:
        """One multi-row INSERT per batch (SQLAlchemy's insertmanyvalues), not one per member."""
        if member_ids:
            await self.session.execute(
                insert(ConversationMember),
                [
                    {
                        "org_id": self.org_id, "conversation_id": conversation_id, "member_id": m, "role": "member",
                        "last_read_seq": seq, "joined_seq": seq, "muted": False, "joined_at": joined_at,
                    }
                    for m in member_ids
                ],
            )

    async def remove_where(self, conversation_id: int, cond: ColumnElement[bool]) -> None:
        await self.session.execute(
            delete(ConversationMember).where(
                ConversationMember.org_id == self.org_id, ConversationMember.conversation_id == conversation_id, cond
            )
        )

    async def remove(self, conversation_id: int, member_ids: list[int]) -> None:
        await self.session.execute(
            delete(ConversationMember).where(
                ConversationMember.org_id == self.org_id,
                ConversationMember.conversation_id == conversation_id,
                ConversationMember.member_id.in_(member_ids),
            )
        )

    async def advance_pointer(self, conversation_id: int, member_id: int, seq: int) -> bool:
        """Moves a read pointer forward only; False when it was already there (or beyond)."""
        result = await self.session.execute(
            update(ConversationMember)
            .where(
                ConversationMember.org_id == self.org_id,
                ConversationMember.conversation_id == conversation_id,
                ConversationMember.member_id == member_id,
                ConversationMember.last_read_seq < seq,
            )
            .values(last_read_seq=seq)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def count_unread(self, conversation_id: int, seq: int) -> int:
        """Members whose pointer is below seq: a range count on ix_chat_conversation_member_receipts
        (org_id, conversation_id, last_read_seq, ...), of the index alone."""
        stmt = select(func.count()).where(
            ConversationMember.org_id == self.org_id,
            ConversationMember.conversation_id == conversation_id,
            ConversationMember.last_read_seq < seq,
        )
        return int((await self.session.execute(stmt)).scalar_one())

    @staticmethod
    def _receivers(seq: int, sender_member_id: int | None, *, read: bool) -> list[ColumnElement[bool]]:
        """Members who had joined before message `seq`, but not its sender, who have (not) read it."""
        cond = [
            ConversationMember.last_read_seq >= seq if read else ConversationMember.last_read_seq < seq,
            ConversationMember.joined_seq < seq,
        ]
        if sender_member_id is not None:
            cond.append(ConversationMember.member_id != sender_member_id)
        return cond

    def receipt_stmt(self, conversation_id: int, seq: int, sender_member_id: int | None, *, read: bool) -> Select[tuple[int]]:
        """Member ids of the receivers who have (not) read; every column it filters on is in
        ix_chat_conversation_member_receipts, so it reads the index alone."""
        return self.member_ids_stmt(conversation_id).where(*self._receivers(seq, sender_member_id, read=read))

    async def receipt_counts(self, conversation_id: int, seq: int, sender_member_id: int | None) -> tuple[int, int]:
        """(read, unread) among the receivers of message `seq`: two index range counts in one statement."""

        def counted(read: bool):  # type: ignore[no-untyped-def]
            return (
                select(func.count())
                .where(
                    ConversationMember.org_id == self.org_id,
                    ConversationMember.conversation_id == conversation_id,
                    *self._receivers(seq, sender_member_id, read=read),
                )
                .scalar_subquery()
            )

        read, unread = (await self.session.execute(select(counted(True), counted(False)))).one()
        return int(read), int(unread)

    async def count(self, stmt: Select[tuple[int]]) -> int:
        return int((await self.session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one())

    def mine(self, member_id: int) -> Select[tuple[int]]:
        return select(ConversationMember.conversation_id).where(
            ConversationMember.org_id == self.org_id, ConversationMember.member_id == member_id
        )

    async def list_for(self, member_id: int, *, offset: int, limit: int) -> list[tuple[ConversationMember, Conversation]]:
        """Pinned-to-top first, then by last activity."""
        stmt = (
            select(ConversationMember, Conversation)
            .join(Conversation, Conversation.id == ConversationMember.conversation_id)
            .where(ConversationMember.org_id == self.org_id, ConversationMember.member_id == member_id)
            .order_by(
                ConversationMember.pinned_at.is_(None),
                ConversationMember.pinned_at.desc(),
                Conversation.last_message_at.desc(),
                Conversation.id.desc(),
            )
            .offset(offset)
            .limit(limit)
        )
        return [(m, c) for m, c in (await self.session.execute(stmt)).all()]


class MessageRepository(OrgRepository[Message]):
    model = Message

    async def by_client_id(self, sender_member_id: int, client_msg_id: str) -> Message | None:
        stmt = self.base().where(Message.sender_member_id == sender_member_id, Message.client_msg_id == client_msg_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_client_ids(self, pairs: set[tuple[int, str]]) -> list[Message]:
        """Messages stored under any of these (sender, client_msg_id) pairs."""
        if not pairs:
            return []
        params = {"org_id": self.org_id, "senders": sorted({s for s, _ in pairs}), "client_ids": sorted({c for _, c in pairs})}
        return [m for m in await self.scalars(_BY_CLIENT_IDS, params) if (m.sender_member_id, m.client_msg_id) in pairs]

    async def in_conversation(self, conversation_id: int, message_id: int) -> Message | None:
        stmt = self.base().where(Message.id == message_id, Message.conversation_id == conversation_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_seqs(self, conversation_id: int, seqs: list[int]) -> list[Message]:
        if not seqs:
            return []
        stmt = self.base().where(Message.conversation_id == conversation_id, Message.seq.in_(seqs))
        return await self.scalars(stmt)

    async def page(self, conversation_id: int, *, before_seq: int | None, after_seq: int | None, limit: int) -> list[Message]:
        """Ascending by seq: the newest `limit` before before_seq, or the oldest after after_seq."""
        stmt = self.base().where(Message.conversation_id == conversation_id)
        if after_seq is not None:
            stmt = stmt.where(Message.seq > after_seq).order_by(Message.seq).limit(limit)
            return await self.scalars(stmt)
        if before_seq is not None:
            stmt = stmt.where(Message.seq < before_seq)
        rows = await self.scalars(stmt.order_by(Message.seq.desc()).limit(limit))
        return rows[::-1]

    async def last_of(self, conversations: list[Conversation]) -> dict[int, Message]:
        pairs = [(c.id, c.last_seq) for c in conversations if c.last_seq]
        if not pairs:
            return {}
        stmt = self.base().where(
            Message.conversation_id.in_([c for c, _ in pairs]), Message.seq.in_({s for _, s in pairs})
        )
        wanted = set(pairs)
        return {m.conversation_id: m for m in await self.scalars(stmt) if (m.conversation_id, m.seq) in wanted}

    async def pinned(self, conversation_id: int) -> list[Message]:
        stmt = self.base().where(Message.conversation_id == conversation_id, Message.pinned_at.is_not(None))
        return await self.scalars(stmt.order_by(Message.pinned_at.desc()))

    async def count_pinned(self, conversation_id: int) -> int:
        stmt = select(func.count()).where(
            Message.org_id == self.org_id, Message.conversation_id == conversation_id, Message.pinned_at.is_not(None)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def senders_between(self, conversation_id: int, after_seq: int, upto_seq: int) -> list[int]:
        stmt = (
            select(Message.sender_member_id)
            .where(
                Message.org_id == self.org_id,
                Message.conversation_id == conversation_id,
                Message.seq > after_seq,
                Message.seq <= upto_seq,
                Message.sender_member_id.is_not(None),
            )
            .distinct()
        )
        return await self.scalars(stmt)

    async def seq_senders_between(self, conversation_id: int, after_seq: int, upto_seq: int) -> list[tuple[int, int]]:
        """(seq, sender) of the member-sent messages after after_seq up to upto_seq."""
        stmt = select(Message.seq, Message.sender_member_id).where(
            Message.org_id == self.org_id,
            Message.conversation_id == conversation_id,
            Message.seq > after_seq,
            Message.seq <= upto_seq,
            Message.sender_member_id.is_not(None),
        )
        return [(seq, sender) for seq, sender in await self.session.execute(stmt)]

    async def add_tokens(self, message: Message, tokens: set[str]) -> None:
        for token in tokens:
            self.session.add(
                MessageToken(org_id=self.org_id, message_id=message.id, conversation_id=message.conversation_id, token=token)
            )

    async def drop_tokens(self, message_id: int) -> None:
        await self.session.execute(
            delete(MessageToken).where(MessageToken.org_id == self.org_id, MessageToken.message_id == message_id)
        )

    async def search(
        self,
        query: QueryTokens,
        conversation_ids: Select[tuple[int]],
        *,
        sender_member_id: int | None,
        since: datetime | None,
        until: datetime | None,
        before_id: int | None,
        limit: int,
    ) -> list[Message]:
        stmt = self.base().where(
            Message.conversation_id.in_(conversation_ids),
            Message.recalled_at.is_(None),
            Message.kind != "system",
            Message.search_text.like(query.like_pattern, escape="\\"),
        )
        for token in sorted(query.bigrams):
            stmt = stmt.where(Message.id.in_(self._token_ids(conversation_ids).where(MessageToken.token == token)))
        for prefix in sorted(query.prefixes):
            stmt = stmt.where(
                Message.id.in_(
                    self._token_ids(conversation_ids).where(
                        MessageToken.token >= prefix, MessageToken.token < prefix_upper_bound(prefix)
                    )
                )
            )
        if sender_member_id is not None:
            stmt = stmt.where(Message.sender_member_id == sender_member_id)
        if since is not None:
            stmt = stmt.where(Message.created_at >= since)
        if until is not None:
            stmt = stmt.where(Message.created_at < until)
        if before_id is not None:
            stmt = stmt.where(Message.id < before_id)
        return await self.scalars(stmt.order_by(Message.id.desc()).limit(limit))

    def _token_ids(self, conversation_ids: Select[tuple[int]]) -> Select[tuple[int]]:
        return select(MessageToken.message_id).where(
            MessageToken.org_id == self.org_id, MessageToken.conversation_id.in_(conversation_ids)
        )


class ChatFileRepository(OrgRepository[ChatFile]):
    model = ChatFile

    async def in_conversation(self, conversation_id: int, file_id: int) -> ChatFile | None:
        stmt = self.base().where(ChatFile.id == file_id, ChatFile.conversation_id == conversation_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def remove(self, file_id: int) -> None:
        await self.session.execute(delete(ChatFile).where(ChatFile.org_id == self.org_id, ChatFile.id == file_id))


class ChatSettingsRepository:
    """The organization's chat settings row (keyed by org_id alone)."""

    def __init__(self, session: AsyncSession, org_id: int) -> None:
        self.session = session
        self.org_id = org_id

    async def get(self) -> ChatSettings | None:
        stmt = select(ChatSettings).where(ChatSettings.org_id == self.org_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_or_add(self) -> ChatSettings:
        found = await self.get()
        if found is None:
            found = ChatSettings(org_id=self.org_id, receipts_off_kinds=[])
            self.session.add(found)
        return found


class ReceiptAccessRepository:
    """The one statement behind a read-receipt lookup's checks (chat tables only, each filtered
    by org_id): the conversation, the asker's membership, the message and the org's receipt
    settings."""

    def __init__(self, session: AsyncSession, org_id: int) -> None:
        self.session = session
        self.org_id = org_id

    async def target(self, conversation_id: int, message_id: int, member_id: int) -> Row | None:  # type: ignore[type-arg]
        """None when the conversation is missing, another org's or without the member; the
        message columns are None when the message is not in it."""
        stmt = (
            select(
                ConversationMember.role,
                Conversation.kind.label("conversation_kind"),
                Conversation.managed_kind,
                Message.id.label("message_id"),
                Message.seq,
                Message.kind.label("message_kind"),
                Message.sender_member_id,
                ChatSettings.receipts_off_kinds,
            )
            .select_from(Conversation)
            .join(
                ConversationMember,
                and_(
                    ConversationMember.org_id == self.org_id,
                    ConversationMember.conversation_id == Conversation.id,
                    ConversationMember.member_id == member_id,
                ),
            )
            .outerjoin(
                Message,
                and_(Message.org_id == self.org_id, Message.conversation_id == Conversation.id, Message.id == message_id),
            )
            .outerjoin(ChatSettings, ChatSettings.org_id == self.org_id)
            .where(Conversation.org_id == self.org_id, Conversation.id == conversation_id)
        )
        return (await self.session.execute(stmt)).one_or_none()


# --- the send path, in plain rows (chat.actions.sending) -------------------------------------
# Synchronous functions on the transaction's Connection: a batch of sends runs its reads in one
# hop into SQLAlchemy's greenlet and its writes in another (AsyncConnection.run_sync), instead
# of one hop, one ORM execute layer and one identity-map load per statement. Every statement
# is built once and filters org_id through its bound parameters.

_C = Conversation.__table__.c
_CM = ConversationMember.__table__.c
_M = Message.__table__.c
_CONVERSATION_ROW_LOCKED = (
    select(_C.id, _C.org_id, _C.kind, _C.name, _C.mute_all, _C.member_count, _C.last_seq, _C.dissolved_at)
    .where(_C.org_id == bindparam("org_id"), _C.id == bindparam("id"))
    .with_for_update()
)


def _member_rows_statement(members: ColumnElement[bool], client_ids: ColumnElement[bool]) -> Select[Any]:
    return (
        select(_CM.member_id, _CM.role, _CM.last_read_seq, _M.id.label("earlier_id"), _M.client_msg_id, _M.body_hash)
        .select_from(
            ConversationMember.__table__.outerjoin(
                Message.__table__, and_(_M.org_id == _CM.org_id, _M.sender_member_id == _CM.member_id, client_ids)
            )
        )
        .where(_CM.org_id == bindparam("org_id"), _CM.conversation_id == bindparam("conversation_id"), members)
    )


# The senders' memberships and, joined to each, the messages that sender already stored
# under the batch's client message ids (in any conversation: a client_msg_id is unique per
# sender, by index): one statement instead of two. Only members reach the client_msg_id check.
_MEMBER_ROWS = _member_rows_statement(
    _CM.member_id.in_(bindparam("member_ids", expanding=True)), _M.client_msg_id.in_(bindparam("client_ids", expanding=True))
)
# One sender with one client message id (a message sent alone): the same read without the
# expanding INs, which SQLAlchemy renders again at every execution.
_ONE_MEMBER_ROW = _member_rows_statement(_CM.member_id == bindparam("member_id"), _M.client_msg_id == bindparam("client_id"))
# Matched back by (conversation, seq), not by row order: asking SQLAlchemy for rows in
# parameter order makes it insert one row per statement on SQLite (no ordering sentinel),
# which cost ~150 us of CPU per message in a batch of 64.
_INSERT_MESSAGES = insert(Message.__table__).returning(_M.id, _M.conversation_id, _M.seq)
_INSERT_TOKENS = insert(MessageToken.__table__)
# A pointer only ever moves forward (a concurrent transaction that moved it further wins).
_ADVANCE_POINTER = (
    update(ConversationMember.__table__)
    .where(
        _CM.org_id == bindparam("o"),
        _CM.conversation_id == bindparam("c"),
        _CM.member_id == bindparam("m"),
        _CM.last_read_seq < bindparam("s"),
    )
    .values(last_read_seq=bindparam("s"))
)
_SET_LAST_SEQ = (
    update(Conversation.__table__)
    .where(_C.org_id == bindparam("o"), _C.id == bindparam("c"))
    .values(last_seq=bindparam("s"), last_message_at=bindparam("t"))
)


def conversation_row_locked(conn: Connection, org_id: int, conversation_id: int) -> Row[Any] | None:
    """(id, org_id, kind, name, mute_all, member_count, last_seq, dissolved_at), the row locked
    as get_locked locks it."""
    return conn.execute(_CONVERSATION_ROW_LOCKED, {"org_id": org_id, "id": conversation_id}).first()


def member_rows(
    conn: Connection, org_id: int, conversation_id: int, member_ids: list[int], client_ids: list[str] | None = None
) -> list[Row[Any]]:
    """(member_id, role, last_read_seq, earlier_id, client_msg_id, body_hash) of those of
    `member_ids` in the conversation: one row per member, or one per message that member
    already stored under one of `client_ids` (earlier_id None when there is none)."""
    if len(member_ids) == 1 and client_ids and len(client_ids) == 1:
        one = {"org_id": org_id, "conversation_id": conversation_id, "member_id": member_ids[0], "client_id": client_ids[0]}
        return list(conn.execute(_ONE_MEMBER_ROW, one))
    params = {"org_id": org_id, "conversation_id": conversation_id, "member_ids": member_ids, "client_ids": client_ids or []}
    return list(conn.execute(_MEMBER_ROWS, params))


def insert_messages(conn: Connection, rows: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """One INSERT for the messages (each row has its org_id): (conversation, seq) → new id."""
    return {(c, seq): message_id for message_id, c, seq in conn.execute(_INSERT_MESSAGES, rows)}


def insert_tokens(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(_INSERT_TOKENS, rows)


def advance_pointers(conn: Connection, pointers: dict[tuple[int, int, int], int]) -> None:
    """(org, conversation, member) → seq, in one statement; a pointer only ever moves forward."""
    if pointers:
        conn.execute(_ADVANCE_POINTER, [{"o": o, "c": c, "m": m, "s": s} for (o, c, m), s in pointers.items()])


def set_last_seqs(conn: Connection, last_seqs: dict[tuple[int, int], int], at: datetime) -> None:
    """(org, conversation) → its newest seq, with last_message_at, in one statement."""
    if last_seqs:
        conn.execute(_SET_LAST_SEQ, [{"o": o, "c": c, "s": seq, "t": at} for (o, c), seq in last_seqs.items()])
