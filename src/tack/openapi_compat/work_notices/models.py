"""A send task (DingTalk's task_id) and one row per recipient (its own delivery state)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tack.storage.base import Base, BigId, CreatedMixin, IdMixin, OrgOwnedMixin


class WorkNotice(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """Its id is the task_id apps get back. Counts are kept here because delivery runs in
    chunks (one job each) and progress is asked for often."""

    __tablename__ = "openapi_compat_work_notice"

    app_id: Mapped[int] = mapped_column(BigId, ForeignKey("openapi_compat_app.id", ondelete="CASCADE"), index=True)
    msgtype: Mapped[str] = mapped_column(String(16))
    msg: Mapped[dict[str, Any]] = mapped_column(JSON)
    to_all_user: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sending | done
    total: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    invalid_user_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    invalid_dept_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    finished_at: Mapped[datetime | None]


class WorkNoticeRecipient(OrgOwnedMixin, Base):
    __tablename__ = "openapi_compat_work_notice_recipient"
    __table_args__ = (Index("ix_openapi_compat_work_notice_recipient_pending", "notice_id", "sent_at", "member_id"),)

    notice_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("openapi_compat_work_notice.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True)
    # Where it landed: the member's work-notification conversation, and the message's seq there.
    conversation_id: Mapped[int | None] = mapped_column(BigId)
    message_id: Mapped[int | None] = mapped_column(BigId)
    seq: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[datetime | None]
