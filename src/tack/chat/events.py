"""Typed realtime events of chat; each is validated when built and carries Read schemas.

| type                  | op     | to                                            |
|-----------------------|--------|-----------------------------------------------|
| message               | add    | every member (sender included: echo)          |
| message               | update | every member (change: recalled/pinned/unpinned) |
| read                  | update | the reader's accounts + senders whose messages the pointer passed |
| conversation          | add    | members who just joined (or the creator)      |
| conversation          | update | every member (rename, notice, mute_all, member count, admins, owner, dissolve) |
| conversation          | remove | a member who left or was removed              |
| conversation_member   | add / remove | every member after the change     |
| conversation_settings | update | the member themself (mute, pin to top)        |
"""

from typing import Literal


from tack.chat.schemas import (
    ConversationRead,
    ConversationRemoved,
    MembersChanged,
    MessageRead,
    ReadPointerRead,
    SettingsRead,
)
from tack.core.events import TypedEvent


class ChatEvent(TypedEvent):
    pass


class EventMessageAdd(ChatEvent):
    type: Literal["message"] = "message"
    op: Literal["add"] = "add"
    message: MessageRead


class EventMessageUpdate(ChatEvent):
    type: Literal["message"] = "message"
    op: Literal["update"] = "update"
    change: Literal["recalled", "pinned", "unpinned"]
    message: MessageRead


class EventReadUpdate(ChatEvent):
    type: Literal["read"] = "read"
    op: Literal["update"] = "update"
    pointer: ReadPointerRead


class EventConversationAdd(ChatEvent):
    type: Literal["conversation"] = "conversation"
    op: Literal["add"] = "add"
    conversation: ConversationRead


class EventConversationUpdate(ChatEvent):
    type: Literal["conversation"] = "conversation"
    op: Literal["update"] = "update"
    conversation: ConversationRead


class EventConversationRemove(ChatEvent):
    type: Literal["conversation"] = "conversation"
    op: Literal["remove"] = "remove"
    removed: ConversationRemoved


class EventMembersAdd(ChatEvent):
    type: Literal["conversation_member"] = "conversation_member"
    op: Literal["add"] = "add"
    change: MembersChanged


class EventMembersRemove(ChatEvent):
    type: Literal["conversation_member"] = "conversation_member"
    op: Literal["remove"] = "remove"
    change: MembersChanged


class EventSettingsUpdate(ChatEvent):
    type: Literal["conversation_settings"] = "conversation_settings"
    op: Literal["update"] = "update"
    settings: SettingsRead
