"""Request and response shapes of chat; the Read shapes are also the payloads of its events."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

# work_notice: a member's 工作通知 conversation (chat.actions.work_notices).
ConversationKind = Literal["direct", "group", "work_notice"]
MessageKind = Literal["text", "markdown", "card", "image", "file", "system"]
ChatRole = Literal["owner", "admin", "member"]
ManagedKind = Literal["department", "all_staff"]


def plain_text(value: str) -> str:
    """PostgreSQL text holds no NUL and UTF-8 no lone surrogates ("\\ud800" in JSON): such
    input is refused (422 validation_error) rather than failing in the database."""
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("The text is not valid Unicode") from None
    return value


Text = Annotated[str, AfterValidator(plain_text)]
ClientMsgId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]
GroupName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(plain_text)]
# Ids and sequence numbers fit the database's 64-bit integers (larger ones are a 422, not a 500).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Seq = Annotated[int, Field(ge=0, le=2**63 - 1)]
MemberIds = Annotated[list[Id], Field(max_length=10_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests ---------------------------------------------------------------------------


class DirectCreate(Strict):
    member_id: Id


class GroupCreate(Strict):
    name: GroupName = ""
    member_ids: MemberIds = Field(default_factory=list)


class ConversationUpdate(Strict):
    name: GroupName | None = None
    notice: Annotated[str, StringConstraints(max_length=2000), AfterValidator(plain_text)] | None = None
    mute_all: bool | None = None


class MembersAdd(Strict):
    member_ids: MemberIds


class RoleSet(Strict):
    role: Literal["admin", "member"]


class OwnerTransfer(Strict):
    member_id: Id


class SettingsUpdate(Strict):
    muted: bool | None = None
    pinned: bool | None = None


class CardButton(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), AfterValidator(plain_text)]
    url: Annotated[str, StringConstraints(max_length=2000), AfterValidator(plain_text)] = ""
    action: Annotated[str, StringConstraints(max_length=64), AfterValidator(plain_text)] = ""


class MessageCreate(Strict):
    """text and markdown need `text`; a card needs `title` and `text` and may have buttons;
    image and file need `file_id`.
    Length and emptiness are checked by the action, which answers with stable codes."""

    kind: Literal["text", "markdown", "card", "image", "file"] = "text"
    text: Text = ""
    # image and file messages: an upload of this conversation (POST .../files).
    file_id: Id | None = None
    title: Text = ""
    buttons: list[CardButton] = Field(default_factory=list)
    client_msg_id: ClientMsgId | None = None
    reply_to_message_id: Id | None = None
    mention_member_ids: Annotated[list[Id], Field(max_length=1000)] = Field(default_factory=list)
    mention_all: bool = False


class ForwardCreate(Strict):
    conversation_ids: Annotated[list[Id], Field(min_length=1, max_length=10)]


class ReadMark(Strict):
    seq: Seq


# Frames of the realtime socket (tack.realtime.gateway): `ref` is the client's own tag,
# echoed on the ack or error frame so it can match answers to frames.
FrameRef = Annotated[str, StringConstraints(max_length=64)] | int | None


class SendFrame(Strict):
    """{"op": "send", "ref", "conversation_id", "message": MessageCreate}: the twin of
    POST /conversations/{id}/messages."""

    op: Literal["send"]
    ref: FrameRef = None
    conversation_id: Id
    message: MessageCreate


class ReadFrame(Strict):
    """{"op": "read", "ref", "conversation_id", "seq"}: the twin of POST /conversations/{id}/read."""

    op: Literal["read"]
    ref: FrameRef = None
    conversation_id: Id
    seq: Seq


# --- reads ------------------------------------------------------------------------------


class ReplyRead(BaseModel):
    message_id: int
    seq: int
    sender_member_id: int | None
    kind: MessageKind
    recalled: bool
    excerpt: str


class MessageRead(BaseModel):
    id: int
    conversation_id: int
    seq: int
    sender_member_id: int | None
    kind: MessageKind
    # text/markdown: {"text"}; card: {"title", "text", "buttons"}; image/file: {"file_id",
    # "name", "size", "content_type"}; system: {"action", ...}.
    # Empty once recalled.
    content: dict[str, Any]
    client_msg_id: str | None
    reply_to: ReplyRead | None
    mention_member_ids: list[int]
    mention_all: bool
    recalled: bool
    recalled_at: datetime | None
    recalled_by_member_id: int | None
    pinned: bool
    pinned_at: datetime | None
    created_at: datetime
    # Members who have not read it yet; filled on the viewer's own messages in history.
    unread_count: int | None = None


class SendAck(BaseModel):
    """The answer to a `send` frame: created is false when client_msg_id repeated a send
    (HTTP answers 200 instead of 201 then)."""

    created: bool
    message: MessageRead


class FileRead(BaseModel):
    id: int
    conversation_id: int
    kind: Literal["image", "file"]
    name: str
    content_type: str
    size: int
    created_at: datetime


class MessageList(BaseModel):
    items: list[MessageRead]
    last_seq: int
    has_more: bool


class ConversationRead(BaseModel):
    """The shared state of a conversation: the same for every member."""

    id: int
    kind: ConversationKind
    name: str
    owner_member_id: int | None
    admin_member_ids: list[int]
    # For a 1:1 conversation both members, so each side finds its peer.
    direct_member_ids: list[int]
    notice: str
    mute_all: bool
    member_count: int
    last_seq: int
    last_message_at: datetime
    dissolved: bool
    created_at: datetime
    # "department" (部门群) or "all_staff" (全员群): membership follows the directory and
    # cannot be changed by hand; None for ordinary groups and 1:1 chats.
    managed: ManagedKind | None = None
    department_id: int | None = None
    # False when the org turned read receipts off for this kind of conversation: no
    # "N人未读", no receipt lists (409 receipts_disabled); read pointers still move.
    receipts_enabled: bool = True


class ConversationView(ConversationRead):
    """A conversation as one member sees it: their pointer, unread count and settings."""

    my_role: ChatRole
    last_read_seq: int
    # last_seq - last_read_seq: every message counts, system ones too; sending moves the
    # sender's own pointer, so one's own messages are never unread.
    unread_count: int
    muted: bool
    pinned: bool
    last_message: MessageRead | None = None
    # 1:1 only: the other member and their display name, so a client can title the
    # conversation (and draw its initial avatar) without looking the member up.
    peer_member_id: int | None = None
    peer_name: str | None = None


class ConversationList(BaseModel):
    items: list[ConversationView]


class SettingsRead(BaseModel):
    conversation_id: int
    muted: bool
    pinned: bool


class ConversationMemberRead(BaseModel):
    member_id: int
    name: str
    role: ChatRole
    last_read_seq: int


class ConversationMemberList(BaseModel):
    items: list[ConversationMemberRead]
    total: int
    next_offset: int | None


class ReadPointerRead(BaseModel):
    conversation_id: int
    member_id: int
    last_read_seq: int


class ReceiptPerson(BaseModel):
    member_id: int
    name: str


class ReceiptList(BaseModel):
    message_id: int
    seq: int
    read_count: int
    unread_count: int
    state: Literal["read", "unread"]
    items: list[ReceiptPerson]
    next_offset: int | None


class MessageUnreadCount(BaseModel):
    message_id: int
    seq: int
    unread_count: int


class SearchHit(BaseModel):
    conversation_id: int
    message: MessageRead


class SearchResult(BaseModel):
    items: list[SearchHit]
    next_before_id: int | None


ReceiptKind = Literal["direct", "group", "department", "all_staff"]


class ChatOrgSettings(BaseModel):
    """Org-level chat settings. receipts_off_kinds: conversation kinds without read receipts
    ("group" means ordinary groups; "department" 部门群; "all_staff" 全员群)."""

    receipts_off_kinds: list[ReceiptKind] = []


class DepartmentGroupSet(BaseModel):
    enabled: bool = True


class ConversationRemoved(BaseModel):
    conversation_id: int
    reason: Literal["left", "removed"]


class MembersChanged(BaseModel):
    conversation_id: int
    member_ids: list[int]
    by_member_id: int | None
