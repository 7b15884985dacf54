"""Chat tables: conversations, their members (with read pointers), messages and search tokens."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tack.storage.base import Base, BigId, CreatedMixin, IdMixin, OrgOwnedMixin


class Conversation(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """A 1:1 chat or a group. `last_seq` is the sequence number of its newest message; it is
    incremented only while this row is locked, so seqs are gapless and ordered."""

    __tablename__ = "chat_conversation"
    __table_args__ = (
        # One 1:1 conversation per pair: direct_key is "<low member id>:<high member id>".
        UniqueConstraint("org_id", "direct_key"),
        # One all-staff group per org ("all_staff") and one group per department ("department:<id>").
        UniqueConstraint("org_id", "managed_key"),
        Index("ix_chat_conversation_org_activity", "org_id", "last_message_at"),
    )

    kind: Mapped[str] = mapped_column(String(16))  # direct | group
    direct_key: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64), default="")
    owner_member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="SET NULL")
    )
    notice: Mapped[str] = mapped_column(Text, default="")
    # 全员禁言: only the owner and admins may send.
    mute_all: Mapped[bool] = mapped_column(Boolean, default=False)
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_message_at: Mapped[datetime]
    dissolved_at: Mapped[datetime | None]
    # Groups whose membership follows the directory (chat.actions.managed): "department"
    # (部门群) or "all_staff" (全员群); None for ordinary groups and 1:1 chats.
    managed_kind: Mapped[str | None] = mapped_column(String(16))
    # Unique per org while the group is kept in step; cleared when it is dissolved.
    managed_key: Mapped[str | None] = mapped_column(String(32))
    # The department a department group follows (no foreign key: the group outlives it).
    department_id: Mapped[int | None] = mapped_column(BigId)


class ConversationMember(OrgOwnedMixin, Base):
    """One member of one conversation, with their read pointer and personal settings.

    Read receipts come from `last_read_seq` alone: message N is read by exactly the members
    whose pointer is >= N (and who had joined before it), so there are no per-message rows.
    """

    __tablename__ = "chat_conversation_member"
    __table_args__ = (
        # Read receipts (the unread count, the read / unread counts and pages of names) are
        # range scans of this index alone: every column they filter on is in it.
        Index(
            "ix_chat_conversation_member_receipts", "org_id", "conversation_id", "last_read_seq", "joined_seq", "member_id"
        ),
        # "My conversations": the conversation list and the search scope.
        Index("ix_chat_conversation_member_member", "org_id", "member_id"),
        # The owners and admins of a conversation (every snapshot lists them) without a scan
        # of its members: a 10,000-member group has a handful.
        Index("ix_chat_conversation_member_role", "org_id", "conversation_id", "role", "member_id"),
    )

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("chat_conversation.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), default="member")  # owner | admin | member
    last_read_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The conversation's last_seq when this member joined: older messages do not count them
    # as a receiver in read receipts.
    joined_seq: Mapped[int] = mapped_column(Integer, default=0)
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned_at: Mapped[datetime | None]
    joined_at: Mapped[datetime]


class Message(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    __tablename__ = "chat_message"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        # A client's retry with the same id finds the first message (idempotent send).
        UniqueConstraint("org_id", "sender_member_id", "client_msg_id"),
    )

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("chat_conversation.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    # None for system messages.
    sender_member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(16))  # text | markdown | card | system
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client_msg_id: Mapped[str | None] = mapped_column(String(64))
    # Hash of what the client sent, so a retry can be told from a reuse even after a recall
    # has wiped the content.
    body_hash: Mapped[str | None] = mapped_column(String(64))
    reply_to_message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("chat_message.id", ondelete="SET NULL")
    )
    mention_member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    mention_all: Mapped[bool] = mapped_column(Boolean, default=False)
    # Normalized (NFKC, case-folded) text that search verifies candidates against.
    search_text: Mapped[str] = mapped_column(Text, default="")
    recalled_at: Mapped[datetime | None]
    recalled_by_member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="SET NULL")
    )
    pinned_at: Mapped[datetime | None]
    pinned_by_member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="SET NULL")
    )


class MessageToken(OrgOwnedMixin, Base):
    """Search index: one row per distinct token of a message (see chat.search)."""

    __tablename__ = "chat_message_token"
    __table_args__ = (Index("ix_chat_message_token_lookup", "org_id", "token", "conversation_id", "message_id"),)

    message_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("chat_message.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("chat_conversation.id", ondelete="CASCADE")
    )


class ChatFile(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """An uploaded image or file, readable only by members of its conversation. The bytes live
    under the data directory (chat.files); a forwarded copy gets its own row, same bytes."""

    __tablename__ = "chat_file"

    conversation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("chat_conversation.id", ondelete="CASCADE"), index=True
    )
    uploader_member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(8))  # image | file
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Relative to the data directory.
    path: Mapped[str] = mapped_column(String(255))


class ChatSettings(Base):
    """Org-level chat settings: one row per organization, absent means the defaults."""

    __tablename__ = "chat_settings"

    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_org.id", ondelete="CASCADE"), primary_key=True)
    # Conversation kinds whose read receipts are off ("direct", "group", "department",
    # "all_staff"); empty: receipts on for all, DingTalk's default.
    receipts_off_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
