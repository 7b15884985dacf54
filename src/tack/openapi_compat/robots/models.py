"""The robot table: one row per custom robot added to a group."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tack.storage.base import Base, BigId, CreatedMixin, IdMixin, OrgOwnedMixin


class Robot(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """A custom robot of one group. Its webhook is `/robot/send?access_token=<access_token>`.

    Security settings, as DingTalk has them (at least one is required): `secret` (加签, "SEC"
    + random, kept readable because the HMAC needs it), `keywords` (the message must contain
    one), `ip_allowlist` (addresses or CIDR ranges). Outgoing (被@时回调): `outgoing_url`
    receives the messages that @-mention the robot, signed with `outgoing_token`.

    The rate window lives on the row so that several server processes share the limit.

    `app_id` makes it an app's robot (应用机器人) in this group: @-mentions go to the app's Stream
    connection (CALLBACK /v1.0/im/bot/messages/get) instead of `outgoing_url`, and the /v1.0
    robot API finds it by robotCode = the app's key and the group.
    """

    __tablename__ = "openapi_robot"
    __table_args__ = (Index("ix_openapi_robot_org_app", "org_id", "app_id"),)

    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("chat_conversation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    secret: Mapped[str | None] = mapped_column(String(80))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    ip_allowlist: Mapped[list[str]] = mapped_column(JSON, default=list)
    outgoing_url: Mapped[str | None] = mapped_column(String(1000))
    outgoing_token: Mapped[str | None] = mapped_column(String(64))
    app_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("openapi_compat_app.id", ondelete="SET NULL"))
    created_by_member_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="SET NULL"))
    rate_window_start: Mapped[datetime | None]
    rate_count: Mapped[int] = mapped_column(Integer, default=0)
    paused_until: Mapped[datetime | None]
