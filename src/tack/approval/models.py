"""Approval tables: templates and their frozen versions, roles, instances with their tasks,
timeline, CC list, uploaded files, leave balances, invoice claims, payments, chat notices."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tack.storage.base import Base, BigId, CreatedMixin, IdMixin, OrgOwnedMixin


def _org_id() -> Mapped[int]:
    """org_id without an index of its own, for tables reached by instance, member or key.
    With one, SQLite (which has no statistics unless ANALYZE ran) picks it for "the tasks of
    instance X in org Y" and walks every row of the organization: 60% of an instance page's
    time at 100,000 requests. Every index that lists org_id puts it after the column that
    selects, for the same reason."""
    return mapped_column(BigId, ForeignKey("directory_org.id", ondelete="CASCADE"))


class ApprovalTemplate(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """What admins design. The form and flow live in versions: an edit adds a version, and
    running instances keep the version they were submitted with."""

    __tablename__ = "approval_template"

    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500), default="")
    # general | leave | overtime | card_correction | reimbursement (built-ins drive side effects)
    kind: Mapped[str] = mapped_column(String(24), default="general")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    current_version_id: Mapped[int | None] = mapped_column(BigId)
    # Who may use it: {"all": bool, "department_ids": [...], "member_ids": [...]}
    visibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class ApprovalTemplateVersion(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    __tablename__ = "approval_template_version"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    template_id: Mapped[int] = mapped_column(BigId, ForeignKey("approval_template.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    form: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    flow: Mapped[dict[str, Any]] = mapped_column(JSON)


class ApprovalRole(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """An approval role (财务, HR, 行政 ...) with its members, for flow steps by role."""

    __tablename__ = "approval_role"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    member_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class ApprovalInstance(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    __tablename__ = "approval_instance"
    __table_args__ = (
        Index("ix_approval_instance_submitter", "org_id", "submitter_member_id", "id"),
        Index("ix_approval_instance_org_status", "org_id", "status", "id"),
        Index("ix_approval_instance_template", "org_id", "template_id", "id"),
    )

    template_id: Mapped[int] = mapped_column(BigId, ForeignKey("approval_template.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(BigId, ForeignKey("approval_template_version.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(160))
    submitter_member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"))
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    # running | approved | rejected | withdrawn | revoked
    status: Mapped[str] = mapped_column(String(16), default="running")
    # The resolved flow: [{"name", "mode": all|any, "approver_ids": [...], "source"}]; steps
    # are inserted by 加签, never removed, so step indexes in tasks and the timeline stay valid.
    plan: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    current_step: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped each time a step becomes active (also on return): keys reminder jobs.
    activation: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None]
    last_urged_at: Mapped[datetime | None]
    # What approval did outside the form: {"leave_half_days": 3, "leave_type": "annual"}.
    effects: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ApprovalTask(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """One approver's part in one activation of one step."""

    __tablename__ = "approval_task"
    __table_args__ = (
        # "Pending for me" and "done by me", newest first.
        Index("ix_approval_task_member", "member_id", "org_id", "status", "id"),
        # "Done by me" asks for four statuses newest first: walking this one in id order stops
        # after a page, where the status index would sort every task the member ever decided.
        Index("ix_approval_task_member_newest", "member_id", "org_id", "id"),
        Index("ix_approval_task_instance", "instance_id", "step", "status"),
    )

    org_id: Mapped[int] = _org_id()

    instance_id: Mapped[int] = mapped_column(BigId, ForeignKey("approval_instance.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    activation: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"))
    # pending | approved | rejected | transferred | cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    acted_at: Mapped[datetime | None]


class ApprovalEvent(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """The timeline: who did what and when (submit, approve, comment, payment ...)."""

    __tablename__ = "approval_event"
    __table_args__ = (Index("ix_approval_event_instance", "instance_id", "id"),)

    org_id: Mapped[int] = _org_id()

    instance_id: Mapped[int] = mapped_column(BigId, ForeignKey("approval_instance.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(24))
    step: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ApprovalCc(OrgOwnedMixin, CreatedMixin, Base):
    __tablename__ = "approval_cc"
    __table_args__ = (Index("ix_approval_cc_member", "member_id", "org_id", "instance_id"),)

    org_id: Mapped[int] = _org_id()

    instance_id: Mapped[int] = mapped_column(BigId, ForeignKey("approval_instance.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True)


class ApprovalFile(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """An upload for a form field or a comment; bound to an instance once used there."""

    __tablename__ = "approval_file"

    org_id: Mapped[int] = _org_id()

    uploader_member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"))
    instance_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("approval_instance.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    is_image: Mapped[bool] = mapped_column(Boolean, default=False)
    path: Mapped[str] = mapped_column(String(300))


class ApprovalLeaveBalance(OrgOwnedMixin, Base):
    """Remaining leave of one type for one member, in half days (so half-day leave is exact)."""

    __tablename__ = "approval_leave_balance"

    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True)
    leave_type: Mapped[str] = mapped_column(String(24), primary_key=True)
    half_days: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class ApprovalInvoice(OrgOwnedMixin, CreatedMixin, Base):
    """An invoice claimed by a reimbursement. Unique per organization: the same invoice can
    never be in two live reimbursements (the database refuses it, whatever races)."""

    __tablename__ = "approval_invoice"
    __table_args__ = (UniqueConstraint("org_id", "code", "number"),)

    org_id: Mapped[int] = _org_id()

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(32))
    instance_id: Mapped[int] = mapped_column(BigId, ForeignKey("approval_instance.id", ondelete="CASCADE"), index=True)


class ApprovalPayment(OrgOwnedMixin, CreatedMixin, Base):
    """The payment request of an approved reimbursement and its recorded result."""

    __tablename__ = "approval_payment"

    org_id: Mapped[int] = _org_id()

    instance_id: Mapped[int] = mapped_column(BigId, ForeignKey("approval_instance.id", ondelete="CASCADE"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    amount: Mapped[str] = mapped_column(String(32))
    # pending | paid | failed | not_configured
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    response: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class ApprovalNotice(OrgOwnedMixin, CreatedMixin, Base):
    """A chat notice already posted (keyed), so a re-run job never posts it twice."""

    __tablename__ = "approval_notice"

    org_id: Mapped[int] = _org_id()

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    instance_id: Mapped[int] = mapped_column(BigId, ForeignKey("approval_instance.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(BigId)
