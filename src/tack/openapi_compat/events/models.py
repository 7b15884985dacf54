"""Event subscriptions of apps and every event delivery (kept, with its attempts' outcome)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tack.storage.base import Base, BigId, CreatedMixin, IdMixin, OrgOwnedMixin


class EventSubscription(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """One HTTP callback per app, as in DingTalk's developer console. The token and AES key are
    kept as is: the server encrypts and signs with them."""

    __tablename__ = "openapi_compat_event_subscription"

    app_id: Mapped[int] = mapped_column(BigId, ForeignKey("openapi_compat_app.id", ondelete="CASCADE"), unique=True)
    # "http": encrypted callbacks to callback_url; "stream": to the app's Stream connections
    # (then url, token and key are empty), as DingTalk's console offers the two push modes.
    mode: Mapped[str] = mapped_column(String(8), default="http", server_default="http")
    callback_url: Mapped[str] = mapped_column(String(2048))
    token: Mapped[str] = mapped_column(String(128))
    aes_key: Mapped[str] = mapped_column(String(43))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    verified_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class EventDelivery(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """One event for one app's callback. status: pending → delivered, or retrying → failed once
    the job's attempts are spent (kept, visible in the admin API, retried by hand)."""

    __tablename__ = "openapi_compat_event_delivery"
    __table_args__ = (Index("ix_openapi_compat_event_delivery_app", "app_id", "id"),)

    app_id: Mapped[int] = mapped_column(BigId, ForeignKey("openapi_compat_app.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
