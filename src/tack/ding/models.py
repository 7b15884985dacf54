"""DING tables: the DING, one row per recipient (its own state), provider deliveries, org settings."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tack.storage.base import Base, BigId, CreatedMixin, IdMixin, OrgOwnedMixin


class DingOrgSettings(OrgOwnedMixin, Base):
    """Who may DING, through which channels, and the limits of per-DING schedules.
    No row means the defaults (see ding.schemas.DingSettingsRead)."""

    __tablename__ = "ding_org_settings"
    __table_args__ = (UniqueConstraint("org_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    who_may_send: Mapped[str] = mapped_column(String(16), default="everyone")  # everyone | admins
    sms_allowed_for: Mapped[str] = mapped_column(String(16), default="everyone")  # everyone | admins | nobody
    call_allowed_for: Mapped[str] = mapped_column(String(16), default="everyone")
    daily_limit: Mapped[int] = mapped_column(Integer, default=20)  # SMS/call DINGs per sender per UTC day
    default_remind_every_minutes: Mapped[int] = mapped_column(Integer, default=5)
    default_remind_times: Mapped[int] = mapped_column(Integer, default=3)
    min_remind_every_minutes: Mapped[int] = mapped_column(Integer, default=1)
    max_remind_times: Mapped[int] = mapped_column(Integer, default=10)
    min_escalate_after_minutes: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]


class Ding(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    __tablename__ = "ding_ding"
    __table_args__ = (
        Index("ix_ding_ding_sender", "org_id", "sender_member_id", "id"),
        Index("ix_ding_ding_sender_day", "org_id", "sender_member_id", "created_at"),
        # A retried POST /dings with the same Idempotency-Key finds the first DING.
        UniqueConstraint("org_id", "sender_member_id", "idempotency_key"),
    )

    sender_member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(8))  # in_app | sms | call
    # Counted against the sender's daily SMS/call limit (the channel or an escalation uses one).
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # scheduled | sent | cancelled
    send_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    remind_every_minutes: Mapped[int] = mapped_column(Integer, default=0)  # 0: no reminders
    remind_times: Mapped[int] = mapped_column(Integer, default=0)
    escalate_after_minutes: Mapped[int] = mapped_column(Integer, default=0)  # 0: no escalation
    redings: Mapped[int] = mapped_column(Integer, default=0)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    # "Remind those who have not read" from chat: the message it came from.
    source_conversation_id: Mapped[int | None] = mapped_column(BigId)
    source_message_id: Mapped[int | None] = mapped_column(BigId)
    # The sender's Idempotency-Key and a hash of the request it came with (a reuse with a
    # different request is refused rather than answered with the wrong DING).
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    request_hash: Mapped[str | None] = mapped_column(String(64))


class DingRecipient(OrgOwnedMixin, Base):
    """Per-recipient state (DESIGN allows per-recipient rows here: each one is confirmed)."""

    __tablename__ = "ding_recipient"
    __table_args__ = (
        # "DINGs I received", newest first, and the pending ones.
        Index("ix_ding_recipient_member", "org_id", "member_id", "ding_id"),
        Index("ix_ding_recipient_confirmed", "ding_id", "confirmed_at"),
    )

    ding_id: Mapped[int] = mapped_column(BigId, ForeignKey("ding_ding.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True)
    delivered_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    reminders: Mapped[int] = mapped_column(Integer, default=0)  # reminder rounds that reached them
    escalated_channel: Mapped[str | None] = mapped_column(String(8))  # sms | call
    card_message_id: Mapped[int | None] = mapped_column(BigId)


class DingDelivery(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """Every delivery and every provider attempt: in-app reminder rounds (written with the
    round, so exactly once) and each SMS / call attempt, successful or not."""

    __tablename__ = "ding_delivery"
    __table_args__ = (
        UniqueConstraint("ding_id", "member_id", "kind", "round", "channel", "attempt"),
        Index("ix_ding_delivery_ding", "ding_id", "member_id"),
    )

    ding_id: Mapped[int] = mapped_column(BigId, ForeignKey("ding_ding.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # send | reminder | escalation | reding
    round: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(8))  # in_app | sms | call
    provider: Mapped[str] = mapped_column(String(16))  # inapp | log | webhook
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(8))  # sent | failed
    error: Mapped[str | None] = mapped_column(Text)
