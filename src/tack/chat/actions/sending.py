"""Sending messages and marking them read, many at once in one transaction.

Why batches: a message costs a handful of statements, and through the ORM each statement
costs more CPU than SQLite spends running it. Sockets that send or read at the same moment
are written together (realtime.batching): the conversation row is locked once per batch,
memberships (with the client message ids already used) and audiences are read once per
conversation, messages and search tokens are inserted in one statement each. HTTP sends are
a batch of one, so both doors keep exactly one set of rules (the ones documented on
`check_send_messages`).

Why plain rows: most messages are sent alone (a batch of one at low rates), so the fixed
cost per batch matters too. The send path's statements are built once (chat.repository) and
run as Core on the transaction's connection, the reads in one hop into SQLAlchemy's greenlet
and the writes in another, with no ORM objects: 4.7 → 2.1 ms of CPU and 10 → 9 statements
for a message sent alone (docs/performance.md, chat).

Every request is decided in order before anything is written: a refused request writes
nothing and does not stop the others; the caller commits once for the batch.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, inspect
from sqlalchemy.orm.attributes import set_committed_value

from tack.chat import hooks
from tack.chat.access import ConversationNotFound, Membership, MessageNotFound, member_account_ids_on
from tack.chat.actions.messages import (
    ClientMsgIdReused,
    NotAGroup,
    SentMessage,
    _body_hash,
    _check_content,
    _file_content,
    require_open,
)
from tack.chat.events import EventMessageAdd, EventReadUpdate
from tack.chat.limits import ChatLimits
from tack.chat.models import Conversation, Message
from tack.chat.reads import message_read, reply_read
from tack.chat.repository import (
    ChatFileRepository,
    ConversationMemberRepository,
    ConversationRepository,
    MessageRepository,
    advance_pointers,
    conversation_row_locked,
    insert_messages,
    insert_tokens,
    member_rows,
    set_last_seqs,
)
from tack.chat.schemas import MessageCreate, MessageRead, ReadPointerRead
from tack.chat.search import message_tokens, normalize
from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import AppError, BadRequest, Forbidden, NotFound
from tack.directory.queries import member_cards
from tack.storage.uow import UnitOfWork

_CONVERSATION = inspect(Conversation)  # its mapper, for identity keys (_sync_loaded)

# Past this many messages between a pointer's old and new place, the senders it passed are
# asked of the database one pointer at a time (DISTINCT) instead of read as one range.
RANGE_READ_MAX = 2000


@dataclass(frozen=True, slots=True)
class SendRequest:
    actor: Actor
    conversation_id: int
    body: MessageCreate


@dataclass(frozen=True, slots=True)
class ReadRequest:
    actor: Actor
    conversation_id: int
    seq: int
    # The client queue the mark came from (a socket), which learns the new pointer from its
    # answer: the read/update skips it. None over HTTP (the request has no queue).
    origin: str | None = None


@dataclass(slots=True)
class _Outgoing:
    """A send that passed every check, with its seq, waiting to be written."""

    index: int
    membership: Membership
    kind: str
    content: dict[str, Any]
    searchable: str
    client_msg_id: str | None
    body_hash: str
    reply_to: Message | None
    mentions: list[int]
    mention_all: bool
    seq: int = 0
    previous_read: int = 0
    id: int = 0
    created_at: datetime = field(default_factory=utc_now)
    read: MessageRead | None = None


@dataclass(slots=True)
class _Loaded:
    """What a batch of sends reads before deciding, as plain rows (see chat.repository)."""

    conversations: dict[tuple[int, int], Row[Any]]  # (org, conversation) → locked row
    members: dict[tuple[int, int, int], Row[Any]]  # (org, conversation, member) → membership
    earlier: dict[tuple[int, int, str], Row[Any]]  # (org, sender, client_msg_id) → stored message


def _load(conn: Connection, senders: dict[tuple[int, int], set[int]], client_ids: dict[tuple[int, int], set[str]]) -> _Loaded:
    """The reads of a batch, in one hop: the conversations locked first, in id order (two
    batches never wait on each other in a circle, and a concurrent retry with the same
    client_msg_id waits and then finds the first), then the senders' memberships with the
    messages they already stored under the batch's client message ids."""
    loaded = _Loaded({}, {}, {})
    for org_id, conversation_id in sorted(senders, key=lambda k: (k[1], k[0])):
        row = conversation_row_locked(conn, org_id, conversation_id)
        if row is not None:
            loaded.conversations[(org_id, conversation_id)] = row
    for (org_id, conversation_id), member_ids in senders.items():
        if (org_id, conversation_id) not in loaded.conversations:
            continue
        wanted = sorted({c for m in member_ids for c in client_ids.get((org_id, m), ())})
        for row in member_rows(conn, org_id, conversation_id, sorted(member_ids), wanted):
            loaded.members[(org_id, conversation_id, row.member_id)] = row
            # Joined on every sender's ids: keep only the (sender, id) pairs asked for.
            if row.earlier_id is not None and row.client_msg_id in client_ids.get((org_id, row.member_id), ()):
                loaded.earlier[(org_id, row.member_id, row.client_msg_id)] = row
    return loaded


async def check_send_messages(
    uow: UnitOfWork, requests: list[SendRequest], *, limits: ChatLimits
) -> list[SentMessage | AppError]:
    """Sends text, markdown, card, image and file messages; a retry with the same
    client_msg_id answers the first message instead of sending twice (also when both are
    in the same batch).

    Each request, in order:
    - refused (its AppError in its place, nothing written for it) when: the content is
      empty or too long; too many mentions; the conversation is another org's, gone or
      without the sender (404 conversation_not_found); the client_msg_id was used for a
      different body (409 client_msg_id_reused); the group is dissolved (409); 全员禁言
      and the sender is no owner/admin (403 muted_all); the quoted message is not in the
      conversation; a mentioned member is not in it; @all outside a group, or by a plain
      member in a group larger than limits.mention_all_open_max_members;
    - otherwise the message takes the conversation's next seq, and the sender's read
      pointer moves to it (sending means having read everything before).

    Emits: message/add to every active member (sender included: their other devices and
    the echo carrying client_msg_id); read/update to the senders of other people's messages
    the sender's pointer jumped over.
    """
    answers: list[SentMessage | AppError | None] = [None] * len(requests)
    checked: dict[int, tuple[dict[str, Any], str, list[int]]] = {}
    for i, request in enumerate(requests):
        try:
            if request.actor.org_id is None or request.actor.member_id is None:
                raise ConversationNotFound()
            content, searchable = _check_content(request.body, limits)
            mentions = sorted(set(request.body.mention_member_ids))
            if len(mentions) > limits.max_mentions:
                raise BadRequest(f"At most {limits.max_mentions} mentions", code="too_many_mentions")
            checked[i] = (content, searchable, mentions)
        except AppError as exc:
            answers[i] = exc
    if not checked:
        return answers  # type: ignore[return-value]

    def key_of(i: int) -> tuple[int, int]:
        return (requests[i].actor.org_id, requests[i].conversation_id)  # type: ignore[return-value]

    senders: dict[tuple[int, int], set[int]] = defaultdict(set)
    client_ids: dict[tuple[int, int], set[str]] = defaultdict(set)  # (org, sender) → client message ids
    for i in checked:
        actor, body = requests[i].actor, requests[i].body
        senders[key_of(i)].add(actor.member_id)  # type: ignore[arg-type]
        if body.client_msg_id:
            client_ids[(actor.org_id, actor.member_id)].add(body.client_msg_id)  # type: ignore[index]
    conn = await uow.connection()
    loaded = await conn.run_sync(_load, senders, client_ids)
    conversations, members, earlier = loaded.conversations, loaded.members, loaded.earlier

    outgoing: list[_Outgoing] = []
    in_batch: dict[tuple[int, int, str], _Outgoing] = {}
    pointers: dict[tuple[int, int, int], int] = {}
    # Each conversation's newest seq as the batch assigns them (_store writes them).
    last_seqs: dict[tuple[int, int], int] = {}
    now = utc_now()
    for i, (content, searchable, mentions) in checked.items():
        request = requests[i]
        org_id, conversation_id = key_of(i)
        me_id: int = request.actor.member_id  # type: ignore[assignment]
        try:
            conversation = conversations.get((org_id, conversation_id))
            me = members.get((org_id, conversation_id, me_id))
            if conversation is None or me is None:
                raise ConversationNotFound()
            # Over plain rows: a Membership reads only their columns (kind, role, ids).
            membership = Membership(conversation, me)  # type: ignore[arg-type]
            body = request.body
            if body.file_id is not None:
                upload = await ChatFileRepository(uow.session, org_id).in_conversation(conversation_id, body.file_id)
                if upload is None:
                    raise NotFound("No such upload in this conversation", code="file_not_found")
                if upload.kind != body.kind:
                    raise BadRequest(f"That upload is not an {body.kind}", code="file_kind_mismatch")
                content, searchable = _file_content(upload), upload.name
            body_hash = _body_hash(conversation_id, body, content, mentions)
            if body.client_msg_id:
                first_here = in_batch.get((org_id, me_id, body.client_msg_id))
                first = earlier.get((org_id, me_id, body.client_msg_id))
                if first_here is not None:
                    if first_here.body_hash != body_hash:
                        raise ClientMsgIdReused()
                    answers[i] = first_here  # type: ignore[assignment]  # answered once it is written
                    continue
                if first is not None:
                    if first.body_hash != body_hash:
                        raise ClientMsgIdReused()
                    # A retry (rare): the first message is loaded whole to answer it again.
                    repo = MessageRepository(uow.session, org_id)
                    message = await repo.get(first.earlier_id)
                    assert message is not None  # the conversation is locked, messages are never deleted
                    reply = await repo.get(message.reply_to_message_id) if message.reply_to_message_id else None
                    answers[i] = SentMessage(message_read(message, reply), created=False)
                    continue
            require_open(conversation)
            if conversation.mute_all and not membership.is_group_admin:
                raise Forbidden("Only the owner and admins may speak in this group now", code="muted_all")
            reply_to = None
            if body.reply_to_message_id is not None:
                reply_to = await MessageRepository(uow.session, org_id).in_conversation(conversation_id, body.reply_to_message_id)
                if reply_to is None:
                    raise MessageNotFound("The quoted message is not in this conversation", code="reply_not_found")
            if mentions:
                found = await conn.run_sync(member_rows, org_id, conversation_id, mentions)
                if len(found) != len(mentions):
                    raise BadRequest("Only members of the conversation can be mentioned", code="mention_not_member")
            if body.mention_all:
                if conversation.kind != "group":
                    raise NotAGroup("@all is for groups")
                if conversation.member_count > limits.mention_all_open_max_members and not membership.is_group_admin:
                    raise Forbidden("In a group this large only the owner and admins may @all", code="mention_all_forbidden")
        except AppError as exc:
            answers[i] = exc
            continue
        seq = last_seqs[(org_id, conversation_id)] = last_seqs.get((org_id, conversation_id), conversation.last_seq) + 1
        pointer_key = (org_id, conversation_id, me_id)
        out = _Outgoing(
            index=i,
            membership=membership,
            kind=body.kind,
            content=content,
            searchable=searchable,
            client_msg_id=body.client_msg_id,
            body_hash=body_hash,
            reply_to=reply_to,
            mentions=mentions,
            mention_all=body.mention_all,
            seq=seq,
            previous_read=pointers.get(pointer_key, me.last_read_seq),
            created_at=now,
        )
        pointers[pointer_key] = out.seq
        outgoing.append(out)
        if body.client_msg_id:
            in_batch[(org_id, me_id, body.client_msg_id)] = out
    if outgoing:
        audiences = await conn.run_sync(_store, outgoing, pointers, last_seqs, now)
        _sync_loaded(uow, last_seqs, now)
        await _announce(uow, outgoing, audiences)
    for i, answer in enumerate(answers):
        if isinstance(answer, _Outgoing):
            answers[i] = SentMessage(answer.read or _read_of(answer), created=False)
    for out in outgoing:
        answers[out.index] = SentMessage(out.read or _read_of(out), created=True)
    return answers  # type: ignore[return-value]


def _store(
    conn: Connection,
    outgoing: list[_Outgoing],
    pointers: dict[tuple[int, int, int], int],
    last_seqs: dict[tuple[int, int], int],
    now: datetime,
) -> dict[tuple[int, int], list[int]]:
    """The writes of a batch, in one hop: one INSERT for the messages (their ids come back),
    one for their search tokens, one UPDATE for the moved read pointers, one for the
    conversations' last_seq; then the audience of each conversation written to (read after
    the writes, in the same transaction, as before)."""
    rows = []
    for out in outgoing:
        conversation = out.membership.conversation
        out.searchable = normalize(out.searchable)
        rows.append(
            {
                "org_id": conversation.org_id,
                "conversation_id": conversation.id,
                "seq": out.seq,
                "sender_member_id": out.membership.me.member_id,
                "kind": out.kind,
                "content": out.content,
                "client_msg_id": out.client_msg_id,
                "body_hash": out.body_hash,
                "reply_to_message_id": out.reply_to.id if out.reply_to else None,
                "mention_member_ids": out.mentions,
                "mention_all": out.mention_all,
                "search_text": out.searchable,
                "created_at": out.created_at,
            }
        )
    ids = insert_messages(conn, rows)
    for out in outgoing:
        out.id = ids[(out.membership.conversation.id, out.seq)]
    insert_tokens(
        conn,
        [
            {"org_id": out.membership.conversation.org_id, "message_id": out.id, "conversation_id": out.membership.conversation.id, "token": token}
            for out in outgoing
            for token in message_tokens(out.searchable)
        ],
    )
    advance_pointers(conn, pointers)
    set_last_seqs(conn, last_seqs, now)
    return {key: member_account_ids_on(conn, *key) for key in last_seqs}


def _sync_loaded(uow: UnitOfWork, last_seqs: dict[tuple[int, int], int], now: datetime) -> None:
    """A conversation still in this session's identity map as an ORM object (loaded earlier in
    the unit of work and still referenced) is given its new last_seq as committed state: a
    later load in the same unit of work returns that object, and must not see the old seq."""
    identity_map = uow.session.sync_session.identity_map
    for (_, conversation_id), seq in last_seqs.items():
        loaded = identity_map.get(_CONVERSATION.identity_key_from_primary_key((conversation_id,)))
        if loaded is not None:
            set_committed_value(loaded, "last_seq", seq)
            set_committed_value(loaded, "last_message_at", now)


def _read_of(out: _Outgoing) -> MessageRead:
    conversation = out.membership.conversation
    return MessageRead(
        id=out.id,
        conversation_id=conversation.id,
        seq=out.seq,
        sender_member_id=out.membership.me.member_id,
        kind=out.kind,  # type: ignore[arg-type]
        content=dict(out.content),
        client_msg_id=out.client_msg_id,
        reply_to=reply_read(out.reply_to) if out.reply_to is not None else None,
        mention_member_ids=list(out.mentions),
        mention_all=out.mention_all,
        recalled=False,
        recalled_at=None,
        recalled_by_member_id=None,
        pinned=False,
        pinned_at=None,
        created_at=out.created_at,
    )


async def _announce(uow: UnitOfWork, outgoing: list[_Outgoing], audiences: dict[tuple[int, int], list[int]]) -> None:
    """Events for the batch (audiences read once per conversation, by _store) and the chat hooks."""
    jumps: list[_Outgoing] = []
    for out in outgoing:
        conversation = out.membership.conversation
        key = (conversation.org_id, conversation.id)
        out.read = _read_of(out)
        uow.publish(EventMessageAdd(message=out.read).to_event(conversation.org_id, audiences[key]))
        if out.previous_read < out.seq - 1:
            jumps.append(out)
    if jumps:
        passed = await _senders_passed(
            uow, [(o.membership.conversation.org_id, o.membership.conversation.id, o.previous_read, o.seq) for o in jumps]
        )
        await _publish_pointers(
            uow, [_PointerMove(o.membership.conversation, o.membership.me.member_id, o.seq, who) for o, who in zip(jumps, passed, strict=True)]
        )
    for out in outgoing:
        if out.kind not in ("text", "markdown", "card"):
            continue
        conversation = out.membership.conversation
        await hooks.emit(
            uow,
            hooks.MessageSent(
                org_id=conversation.org_id,
                conversation_id=conversation.id,
                conversation_kind=conversation.kind,
                conversation_name=conversation.name,
                message_id=out.id,
                seq=out.seq,
                sender_member_id=out.membership.me.member_id,
                sender_is_group_admin=out.membership.is_group_admin,
                kind=out.kind,
                text=str(out.content.get("text", "")),
                mention_member_ids=tuple(out.mentions),
            ),
        )


async def _senders_passed(uow: UnitOfWork, moves: list[tuple[int, int, int, int]]) -> list[set[int]]:
    """For each (org, conversation, old pointer, new pointer): the members whose messages
    lie after the old pointer up to the new one. One range read per conversation when the
    moves are close together (the usual case: people read what just arrived)."""
    by_conversation: dict[tuple[int, int], list[int]] = defaultdict(list)
    for n, (org_id, conversation_id, _, _) in enumerate(moves):
        by_conversation[(org_id, conversation_id)].append(n)
    out: list[set[int]] = [set() for _ in moves]
    for (org_id, conversation_id), indexes in by_conversation.items():
        low = min(moves[n][2] for n in indexes)
        high = max(moves[n][3] for n in indexes)
        repo = MessageRepository(uow.session, org_id)
        if high - low <= RANGE_READ_MAX:
            rows = await repo.seq_senders_between(conversation_id, low, high)
            for n in indexes:
                _, _, after, upto = moves[n]
                out[n] = {sender for seq, sender in rows if after < seq <= upto}
        else:
            for n in indexes:
                _, _, after, upto = moves[n]
                out[n] = set(await repo.senders_between(conversation_id, after, upto))
    return out


@dataclass(frozen=True, slots=True)
class _PointerMove:
    conversation: Conversation
    reader: int  # member id
    seq: int  # the pointer after the move
    senders: set[int]  # members whose messages the move passed
    reader_account: int | None = None  # tell the reader's own devices (None: do not)
    except_queue: str | None = None  # ...but not this one, whose answer carried the move


async def _publish_pointers(uow: UnitOfWork, moves: list[_PointerMove]) -> None:
    """read/update for each move, never to the whole group, so reading in a 10,000-member
    group costs deliveries only to the people concerned. Who is told:
    - the senders of the messages the pointer passed, not the reader (their unread counts
      drop live), if still active members with an account;
    - the reader's own devices when the move asks for it (marks; not a send's own pointer),
      except the device whose answer already carried the new pointer;
    - nobody else."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for move in moves:
        wanted[move.conversation.org_id] |= move.senders - {move.reader}
    accounts: dict[int, dict[int, int]] = {}
    for org_id, member_ids in wanted.items():
        accounts[org_id] = await account_ids_by_member(uow, org_id, member_ids) if member_ids else {}
    for move in moves:
        org_accounts = accounts[move.conversation.org_id]
        targets = {a for m in move.senders if m != move.reader and (a := org_accounts.get(m)) is not None}
        if move.reader_account is not None:
            targets.add(move.reader_account)
        if not targets:
            continue
        pointer = ReadPointerRead(conversation_id=move.conversation.id, member_id=move.reader, last_read_seq=move.seq)
        uow.publish(EventReadUpdate(pointer=pointer).to_event(move.conversation.org_id, targets, except_queue=move.except_queue))


async def account_ids_by_member(uow: UnitOfWork, org_id: int, member_ids: set[int]) -> dict[int, int]:
    """The account of each active member among `member_ids` (who can receive events)."""
    cards = await member_cards(uow.session, org_id, member_ids)
    return {m: c.account_id for m, c in cards.items() if c.active and c.account_id is not None}


async def check_mark_reads(uow: UnitOfWork, requests: list[ReadRequest]) -> list[ReadPointerRead | AppError]:
    """Advances read pointers: never backwards, clamped to the conversation's newest
    message; several marks of one member in one batch end at the furthest.

    Refused (404 conversation_not_found) for another org's conversation, one that is gone
    or one the reader is not in.
    Emits: read/update to the senders of the newly read messages and to the reader.
    """
    answers: list[ReadPointerRead | AppError | None] = [None] * len(requests)
    readers: dict[tuple[int, int], set[int]] = defaultdict(set)
    for i, request in enumerate(requests):
        if request.actor.org_id is None or request.actor.member_id is None:
            answers[i] = ConversationNotFound()
            continue
        readers[(request.actor.org_id, request.conversation_id)].add(request.actor.member_id)
    conversations: dict[tuple[int, int], Conversation] = {}
    for org_id, conversation_id in sorted(readers, key=lambda k: (k[1], k[0])):
        conversation = await ConversationRepository(uow.session, org_id).get(conversation_id)
        if conversation is not None:
            conversations[(org_id, conversation_id)] = conversation
    known: dict[tuple[int, int, int], int] = {}
    for key, member_ids in readers.items():
        if key in conversations:
            found = await ConversationMemberRepository(uow.session, key[0]).pointers_of(key[1], sorted(member_ids))
            known.update({(*key, m): seq for m, seq in found.items()})
    pointers: dict[tuple[int, int, int], int] = {}
    moved: dict[tuple[int, int, int], tuple[int, int]] = {}  # → (pointer before the batch, after)
    # Where each reader's marks came from: a device is spared the read/update only when every
    # mark of that pointer in the batch was its own (then its last answer holds the end).
    origins: dict[tuple[int, int, int], set[str | None]] = defaultdict(set)
    reader_accounts: dict[tuple[int, int, int], int] = {}
    for i, request in enumerate(requests):
        if answers[i] is not None:
            continue
        key = (request.actor.org_id, request.conversation_id)
        conversation = conversations.get(key)  # type: ignore[arg-type]
        pointer_key = (*key, request.actor.member_id)
        if conversation is None or pointer_key not in known:
            answers[i] = ConversationNotFound()
            continue
        origins[pointer_key].add(request.origin)  # type: ignore[index]
        reader_accounts[pointer_key] = request.actor.account_id  # type: ignore[index]
        previous = pointers.get(pointer_key, known[pointer_key])  # type: ignore[arg-type]
        seq = min(request.seq, conversation.last_seq)
        if seq > previous:
            pointers[pointer_key] = seq  # type: ignore[index]
            moved[pointer_key] = (moved.get(pointer_key, (previous, seq))[0], seq)  # type: ignore[index, arg-type]
        answers[i] = ReadPointerRead(conversation_id=conversation.id, member_id=pointer_key[2], last_read_seq=max(previous, seq))
    if moved:
        await (await uow.connection()).run_sync(advance_pointers, pointers)
        keys = list(moved)
        passed = await _senders_passed(uow, [(o, c, moved[(o, c, m)][0], moved[(o, c, m)][1]) for o, c, m in keys])
        await _publish_pointers(
            uow,
            [
                _PointerMove(conversations[key[:2]], key[2], moved[key][1], who, reader_accounts[key], _sole(origins[key]))
                for key, who in zip(keys, passed, strict=True)
            ],
        )
    return answers  # type: ignore[return-value]


def _sole(origins: set[str | None]) -> str | None:
    return next(iter(origins)) if len(origins) == 1 else None


async def check_send_message(
    uow: UnitOfWork, actor: Actor, conversation_id: int, body: MessageCreate, *, limits: ChatLimits
) -> SentMessage:
    """One send (POST .../messages): see check_send_messages for the rules."""
    answer = (await check_send_messages(uow, [SendRequest(actor, conversation_id, body)], limits=limits))[0]
    if isinstance(answer, AppError):
        raise answer
    return answer


async def check_mark_read(uow: UnitOfWork, actor: Actor, conversation_id: int, *, seq: int) -> ReadPointerRead:
    """One read mark (POST .../read): see check_mark_reads for the rules."""
    answer = (await check_mark_reads(uow, [ReadRequest(actor, conversation_id, seq)]))[0]
    if isinstance(answer, AppError):
        raise answer
    return answer
