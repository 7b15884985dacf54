"""Message writes: send (idempotent), system messages, recall, pin, and read pointers."""

import hashlib
import re
import json
from dataclasses import dataclass
from typing import Any

from tack.chat import hooks
from tack.chat.access import (
    ConversationNotFound,
    Membership,
    MessageNotFound,
    access_conversation_by_id,
    access_message_by_id,
    account_ids_of,
    member_account_ids,
    my_member_id,
    require_group_admin,
)
from tack.chat.events import EventMessageAdd, EventMessageUpdate, EventReadUpdate
from tack.chat.limits import ChatLimits
from tack.chat.models import ChatFile, Conversation, Message
from tack.chat.reads import message_read
from tack.chat.repository import (
    ChatFileRepository,
    ConversationMemberRepository,
    ConversationRepository,
    MessageRepository,
)
from tack.chat.schemas import ForwardCreate, MessageCreate, MessageRead, ReadPointerRead
from tack.chat.search import message_tokens, normalize
from tack.core.actor import Actor
from tack.core.clock import as_utc, utc_now
from tack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from tack.directory.access import org_id_of
from tack.directory.queries import active_member_ids_by_phone, member_cards
from tack.storage.uow import UnitOfWork


class MessageEmpty(BadRequest):
    code = "message_empty"
    message = "The message is empty"


class MessageTooLong(BadRequest):
    code = "message_too_long"
    message = "The message is too long"


class ClientMsgIdReused(Conflict):
    code = "client_msg_id_reused"
    message = "This client message id was already used for a different message"


class ConversationDissolved(Conflict):
    code = "conversation_dissolved"
    message = "The group has been dissolved"


class NotAGroup(BadRequest):
    code = "not_a_group"
    message = "Only groups can do that"


@dataclass(frozen=True, slots=True)
class SentMessage:
    message: MessageRead
    created: bool


def require_open(conversation: Conversation) -> None:
    if conversation.dissolved_at is not None:
        raise ConversationDissolved()


def _check_content(body: MessageCreate, limits: ChatLimits) -> tuple[dict[str, Any], str]:
    """The stored content and the text search indexes; raises MessageEmpty / MessageTooLong."""
    text, title = body.text, body.title.strip()
    if len(text) > limits.max_text_chars or len(title) > 128:
        raise MessageTooLong(f"At most {limits.max_text_chars} characters", limit=limits.max_text_chars)
    if body.kind in ("image", "file"):
        if body.file_id is None:
            raise BadRequest("Upload the file first and send its file_id", code="file_required")
        return {}, ""  # filled from the upload once the conversation is loaded
    if body.file_id is not None:
        raise BadRequest("Only image and file messages carry a file", code="file_needs_kind")
    if body.buttons and body.kind != "card":
        raise BadRequest("Only cards have buttons", code="buttons_need_card")
    if body.kind == "card":
        if not title:
            raise MessageEmpty("A card needs a title")
        if len(body.buttons) > limits.max_card_buttons:
            raise BadRequest(f"At most {limits.max_card_buttons} buttons", code="too_many_buttons")
        content = {"title": title, "text": text, "buttons": [b.model_dump() for b in body.buttons]}
        return content, f"{title}\n{text}"
    if not text.strip():
        raise MessageEmpty()
    content = {"text": text}
    if body.kind == "markdown" and title:
        content["title"] = title
    return content, f"{title}\n{text}" if title else text


def _file_content(upload: ChatFile) -> dict[str, Any]:
    return {"file_id": upload.id, "name": upload.name, "size": upload.size, "content_type": upload.content_type}


def _body_hash(conversation_id: int, body: MessageCreate, content: dict[str, Any], mentions: list[int]) -> str:
    canonical = json.dumps(
        [conversation_id, body.kind, content, body.reply_to_message_id, mentions, body.mention_all],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def do_append_message(uow: UnitOfWork, conversation: Conversation, **fields: Any) -> Message:
    """Takes the next seq of a conversation whose row the caller has locked, and stores the message."""
    now = utc_now()
    conversation.last_seq += 1
    conversation.last_message_at = now
    message = Message(org_id=conversation.org_id, conversation_id=conversation.id, seq=conversation.last_seq, created_at=now, **fields)
    uow.session.add(message)
    await uow.session.flush()
    return message


async def do_send_message(
    uow: UnitOfWork,
    membership: Membership,
    *,
    kind: str,
    content: dict[str, Any],
    searchable: str,
    client_msg_id: str | None,
    body_hash: str | None,
    reply_to: Message | None,
    mention_member_ids: list[int],
    mention_all: bool,
) -> MessageRead:
    conversation, me = membership.conversation, membership.me
    normalized = normalize(searchable)
    message = await do_append_message(
        uow,
        conversation,
        sender_member_id=me.member_id,
        kind=kind,
        content=content,
        client_msg_id=client_msg_id,
        body_hash=body_hash,
        reply_to_message_id=reply_to.id if reply_to else None,
        mention_member_ids=mention_member_ids,
        mention_all=mention_all,
        search_text=normalized,
    )
    await MessageRepository(uow.session, conversation.org_id).add_tokens(message, message_tokens(normalized))
    # Sending means having read everything before: the sender's pointer moves to this message.
    previous = me.last_read_seq
    me.last_read_seq = message.seq
    read = message_read(message, reply_to)
    await notify_message_add(uow, conversation, read)
    if previous < message.seq - 1:
        await notify_read(uow, conversation, me.member_id, previous, message.seq, include_reader=False)
    return read


async def do_post_system_message(
    uow: UnitOfWork, conversation: Conversation, *, actor_member_id: int | None, action: str, **detail: Any
) -> MessageRead:
    """A system line (joined, left, renamed, ...) in a conversation the caller has locked;
    published to the members at the time of the call."""
    content = {"action": action, "actor_member_id": actor_member_id, **detail}
    message = await do_append_message(uow, conversation, sender_member_id=None, kind="system", content=content)
    if actor_member_id is not None:
        await ConversationMemberRepository(uow.session, conversation.org_id).advance_pointer(
            conversation.id, actor_member_id, message.seq
        )
    read = message_read(message)
    await notify_message_add(uow, conversation, read)
    return read


async def notify_message_add(uow: UnitOfWork, conversation: Conversation, message: MessageRead) -> None:
    """Every active member, the sender included (their other devices, and the echo that
    carries client_msg_id back for reconciliation)."""
    to = await member_account_ids(uow.session, conversation.org_id, conversation.id)
    uow.publish(EventMessageAdd(message=message).to_event(conversation.org_id, to))


async def notify_message_update(uow: UnitOfWork, conversation: Conversation, message: Message, change: str) -> MessageRead:
    read = message_read(message)
    to = await member_account_ids(uow.session, conversation.org_id, conversation.id)
    uow.publish(EventMessageUpdate(change=change, message=read).to_event(conversation.org_id, to))  # type: ignore[arg-type]
    return read


async def notify_read(
    uow: UnitOfWork, conversation: Conversation, reader_member_id: int, previous: int, seq: int, *, include_reader: bool
) -> None:
    """A pointer change goes to the senders of the messages it passed (their unread counts
    drop live) and to the reader's own other devices; never to the whole group, so reading
    in a 10,000-member group costs deliveries only to the people concerned."""
    org_id = conversation.org_id
    senders = set(await MessageRepository(uow.session, org_id).senders_between(conversation.id, previous, seq))
    senders.discard(reader_member_id)
    if include_reader:
        senders.add(reader_member_id)
    if not senders:
        return
    to = await account_ids_of(uow.session, org_id, senders)
    pointer = ReadPointerRead(conversation_id=conversation.id, member_id=reader_member_id, last_read_seq=seq)
    uow.publish(EventReadUpdate(pointer=pointer).to_event(org_id, to))


async def check_recall_message(
    uow: UnitOfWork, actor: Actor, conversation_id: int, message_id: int, *, limits: ChatLimits
) -> MessageRead:
    """Recall (撤回): the sender within the recall window, group owner/admins any time.
    The content is wiped for everyone and the message leaves the search index.

    Raises: ConversationNotFound, MessageNotFound, Forbidden (recall_window_passed, recall_forbidden).
    Emits: message/update (change=recalled) to every member.
    """
    membership, message = await access_message_by_id(uow.session, actor, conversation_id, message_id, lock=True)
    if message.kind == "system":
        raise Forbidden("System messages cannot be recalled", code="recall_forbidden")
    if message.recalled_at is not None:
        return message_read(message)
    if not membership.is_group_admin:
        if message.sender_member_id != membership.me.member_id:
            raise Forbidden("Only the sender or a group admin may recall this message", code="recall_forbidden")
        if utc_now() - as_utc(message.created_at) > limits.recall_window:
            raise Forbidden(f"Messages can be recalled within {limits.recall_hours} hours", code="recall_window_passed")
    return await do_recall_message(uow, membership, message)


async def do_recall_message(uow: UnitOfWork, membership: Membership, message: Message) -> MessageRead:
    message.recalled_at = utc_now()
    message.recalled_by_member_id = membership.me.member_id
    message.search_text = ""
    message.pinned_at = None
    message.pinned_by_member_id = None
    file_id = message.content.get("file_id") if message.kind in ("image", "file") else None
    message.content = {}
    await MessageRepository(uow.session, message.org_id).drop_tokens(message.id)
    if file_id is not None:
        # A recalled image or file can no longer be downloaded (forwarded copies have their own rows).
        await ChatFileRepository(uow.session, message.org_id).remove(int(file_id))
    await uow.session.flush()
    return await notify_message_update(uow, membership.conversation, message, "recalled")


async def check_pin_message(
    uow: UnitOfWork, actor: Actor, conversation_id: int, message_id: int, *, pinned: bool, limits: ChatLimits
) -> MessageRead:
    """Pins or unpins a message: any member of a 1:1, the owner and admins of a group.

    Raises: ConversationNotFound, MessageNotFound, NotGroupAdmin, ConversationDissolved,
        BadRequest (cannot_pin), Conflict (too_many_pins).
    Emits: message/update (change=pinned|unpinned) to every member, only when it changed.
    """
    membership, message = await access_message_by_id(uow.session, actor, conversation_id, message_id, lock=True)
    if membership.conversation.kind == "group":
        require_group_admin(membership)
    require_open(membership.conversation)
    if (message.pinned_at is not None) == pinned:
        return message_read(message)
    if pinned:
        if message.kind == "system" or message.recalled_at is not None:
            raise BadRequest("System and recalled messages cannot be pinned", code="cannot_pin")
        if await MessageRepository(uow.session, message.org_id).count_pinned(conversation_id) >= limits.max_pins:
            raise Conflict(f"At most {limits.max_pins} pinned messages", code="too_many_pins")
        message.pinned_at = utc_now()
        message.pinned_by_member_id = membership.me.member_id
    else:
        message.pinned_at = None
        message.pinned_by_member_id = None
    await uow.session.flush()
    return await notify_message_update(uow, membership.conversation, message, "pinned" if pinned else "unpinned")



async def check_forward_message(
    uow: UnitOfWork, actor: Actor, conversation_id: int, message_id: int, body: ForwardCreate, *, limits: ChatLimits
) -> list[MessageRead]:
    """Forwards (转发) a copy of a message into up to ten conversations the actor is in.
    The copy names the original sender, not the source conversation.

    Raises: ConversationNotFound (source or any target), MessageNotFound,
        BadRequest (cannot_forward), ConversationDissolved, Forbidden (muted_all).
    Emits: message/add in each target conversation.
    """
    _, original = await access_message_by_id(uow.session, actor, conversation_id, message_id)
    if original.kind == "system" or original.recalled_at is not None:
        raise BadRequest("System and recalled messages cannot be forwarded", code="cannot_forward")
    content = {k: v for k, v in original.content.items() if k != "forwarded_from"}
    content["forwarded_from"] = {
        "sender_member_id": original.sender_member_id,
        "sent_at": as_utc(original.created_at).isoformat(),
    }
    searchable = "\n".join(str(content.get(key, "")) for key in ("title", "text", "name"))
    # Locks in ascending id order, so two forwards into the same conversations cannot deadlock.
    targets = []
    for target_id in sorted(set(body.conversation_ids)):
        membership = await access_conversation_by_id(uow.session, actor, target_id, lock=True)
        require_open(membership.conversation)
        if membership.conversation.mute_all and not membership.is_group_admin:
            raise Forbidden("Only the owner and admins may speak in this group now", code="muted_all")
        targets.append(membership)
    source_file = None
    if original.kind in ("image", "file"):
        source_file = await ChatFileRepository(uow.session, original.org_id).in_conversation(
            conversation_id, int(original.content.get("file_id", 0))
        )
        if source_file is None:
            raise BadRequest("The file is no longer available", code="cannot_forward")
    return [
        await do_send_message(
            uow,
            membership,
            kind=original.kind,
            content=await _copy_upload(uow, source_file, membership, content) if source_file else content,
            searchable=searchable,
            client_msg_id=None,
            body_hash=None,
            reply_to=None,
            mention_member_ids=[],
            mention_all=False,
        )
        for membership in targets
    ]


async def _copy_upload(uow: UnitOfWork, source: ChatFile, membership: Membership, content: dict[str, Any]) -> dict[str, Any]:
    """A forwarded image or file gets its own row in the target conversation (same bytes), so
    its members may download it and a recall on either side leaves the other alone."""
    copy = ChatFile(
        org_id=source.org_id,
        conversation_id=membership.conversation.id,
        uploader_member_id=membership.me.member_id,
        kind=source.kind,
        name=source.name,
        content_type=source.content_type,
        size=source.size,
        sha256=source.sha256,
        path=source.path,
        created_at=utc_now(),
    )
    ChatFileRepository(uow.session, source.org_id).add(copy)
    await uow.session.flush()
    return {**content, "file_id": copy.id}


@dataclass(frozen=True, slots=True)
class RobotPost:
    """A message a robot posts (the open platform's group robots): already validated and
    shaped by the caller; `content["text"]` is where mentions are written."""

    robot_id: int
    robot_name: str
    kind: str  # text | markdown | card
    content: dict[str, Any]
    searchable: str
    mention_member_ids: list[str]
    mention_phones: list[str]
    mention_all: bool


async def check_post_robot_message(uow: UnitOfWork, org_id: int, conversation_id: int, post: RobotPost) -> MessageRead:
    """Posts a robot's message into a group of `org_id` (the caller has authenticated the
    robot, which belongs to that group). The message has no member sender; its content
    names the robot ({"robot": {"id", "name"}}) so clients show it as the sender.

    Mentions follow DingTalk: ids and mobiles that are not members of the group are dropped
    silently; "@<mobile>" / "@<id>" in the text become "@<name>" for the ones that are.
    Robots may post while the group is muted (全员禁言 silences people, not integrations).

    Raises: ConversationNotFound (gone or another org's), ConversationDissolved.
    Emits: message/add to every member.
    """
    conversation = await ConversationRepository(uow.session, org_id).get_locked(conversation_id)
    if conversation is None:
        raise ConversationNotFound()
    require_open(conversation)
    wanted: dict[int, list[str]] = {}
    for raw in post.mention_member_ids:
        if raw.isdigit():
            wanted.setdefault(int(raw), []).append(raw)
    for phone, member_id in (await active_member_ids_by_phone(uow.session, org_id, post.mention_phones)).items():
        wanted.setdefault(member_id, []).append(phone)
    found = await ConversationMemberRepository(uow.session, org_id).of_conversation(conversation_id, list(wanted)) if wanted else []
    mentioned = sorted(m.member_id for m in found)
    content = dict(post.content)
    if mentioned and "text" in content:
        names = await member_cards(uow.session, org_id, mentioned)
        aliases = {alias: names[m].name for m in mentioned if m in names for alias in wanted[m]}
        # Whole tokens only: "@1" must not eat the start of "@13900000002".
        pattern = "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True))
        content["text"] = re.sub(
            f"@({pattern})(?![0-9A-Za-z])", lambda m: f"@{aliases[m.group(1)]}", str(content["text"])
        ) if aliases else content["text"]
    content["robot"] = {"id": post.robot_id, "name": post.robot_name}
    searchable = post.searchable
    normalized = normalize(searchable)
    message = await do_append_message(
        uow,
        conversation,
        sender_member_id=None,
        kind=post.kind,
        content=content,
        mention_member_ids=mentioned,
        mention_all=post.mention_all and conversation.kind == "group",
        search_text=normalized,
    )
    await MessageRepository(uow.session, org_id).add_tokens(message, message_tokens(normalized))
    read = message_read(message)
    await notify_message_add(uow, conversation, read)
    return read
