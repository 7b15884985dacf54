"""Directory tables: accounts and sessions (global), organizations and everything they own."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tack.storage.base import Base, BigId, CreatedMixin, IdMixin, OrgOwnedMixin


class Account(IdMixin, CreatedMixin, Base):
    """A person who can sign in; belongs to any number of organizations through members."""

    __tablename__ = "directory_account"

    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # Accounts created by an admin (member add/import) have no password until an admin
    # issues one; they cannot sign in before that.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last 30-second step whose code was accepted: a code works once, never replayed.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(8), default="zh-CN")
    last_org_id: Mapped[int | None] = mapped_column(BigId)


class AuthSession(IdMixin, CreatedMixin, Base):
    __tablename__ = "directory_auth_session"

    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("directory_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    user_agent: Mapped[str | None] = mapped_column(String(255))


class LoginThrottle(Base):
    """Failed sign-ins per key (an identifier or an IP), shared by every server process."""

    __tablename__ = "directory_login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class Org(IdMixin, CreatedMixin, Base):
    __tablename__ = "directory_org"

    name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")


class Department(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    __tablename__ = "directory_department"

    # The root department (the organization itself) has no parent.
    parent_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_department.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # 通讯录隐藏: hidden from everyone but its own members and admins.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class Member(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """A membership: one account's profile inside one organization."""

    __tablename__ = "directory_member"
    __table_args__ = (
        UniqueConstraint("org_id", "account_id"),
        UniqueConstraint("org_id", "phone"),
        UniqueConstraint("org_id", "email"),
        UniqueConstraint("org_id", "employee_no"),
        Index("ix_directory_member_org_sort", "org_id", "sort_key", "id"),
    )

    account_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_account.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    job_title: Mapped[str | None] = mapped_column(String(64))
    employee_no: Mapped[str | None] = mapped_column(String(64))
    manager_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="SET NULL")
    )
    hire_date: Mapped[date | None] = mapped_column(Date)
    role: Mapped[str] = mapped_column(String(16), default="member")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_at: Mapped[datetime | None]
    hide_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    # Search keys: full pinyin and initials ("zhangsan zs"), lower case; sort_key orders lists.
    pinyin: Mapped[str] = mapped_column(String(255), default="")
    sort_key: Mapped[str] = mapped_column(String(255), default="")


class MemberDepartment(OrgOwnedMixin, Base):
    __tablename__ = "directory_member_department"
    __table_args__ = (Index("ix_directory_member_department_dept", "department_id", "member_id"),)

    # No index on org_id alone: SQLite would pick it over the primary key for lookups by
    # member and scan the whole organization's rows (measured: 3 ms → 0.2 ms per lookup).
    org_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_org.id", ondelete="CASCADE"))

    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("directory_department.id", ondelete="CASCADE"), primary_key=True
    )


class DepartmentManager(OrgOwnedMixin, Base):
    __tablename__ = "directory_department_manager"

    department_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("directory_department.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True
    )


class AdminScope(OrgOwnedMixin, Base):
    """The departments a sub-admin manages (each with its whole subtree)."""

    __tablename__ = "directory_admin_scope"

    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("directory_department.id", ondelete="CASCADE"), primary_key=True
    )


class Invitation(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    __tablename__ = "directory_invitation"

    # The link token is meant to be shared (link, QR code), so it is kept as is.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    department_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_department.id", ondelete="CASCADE")
    )
    expires_at: Mapped[datetime]
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="SET NULL")
    )


class JoinRequest(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    __tablename__ = "directory_join_request"

    invitation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("directory_invitation.id", ondelete="CASCADE")
    )
    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("directory_account.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|rejected
    decided_by: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]


class AuditEntry(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    __tablename__ = "directory_audit_entry"
    __table_args__ = (Index("ix_directory_audit_entry_org_time", "org_id", "id"),)

    actor_member_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("directory_member.id", ondelete="SET NULL")
    )
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(BigId)
    target_name: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
