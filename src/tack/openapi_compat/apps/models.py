"""Apps of an organization, as its admins create them."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tack.storage.base import Base, BigId, CreatedMixin, IdMixin, OrgOwnedMixin


class App(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """An internal app. Its id is also its DingTalk `agent_id`.

    The secret is kept as is, not hashed: the server signs with it (outgoing robot callbacks,
    Stream handshakes compare it), as DingTalk does. Access tokens are never stored (tokens.py)."""

    __tablename__ = "openapi_compat_app"

    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    app_key: Mapped[str] = mapped_column(String(64), unique=True)
    app_secret: Mapped[str] = mapped_column(String(128))
    # Bumped by every secret rotation; tokens carry it, so rotating revokes every token.
    secret_version: Mapped[int] = mapped_column(Integer, default=1)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # CIDRs or addresses; empty = callers from anywhere.
    ip_allowlist: Mapped[list[str]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime]
