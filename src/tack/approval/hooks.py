"""What approvals announce to whoever keeps attendance records: approved (and revoked) leave,
approved overtime, approved card corrections (补卡).

Approval sits above attendance, yet attendance's own hook was not on main when this was
written; so approval announces these small typed events and main.register_hooks wires the
handler (attendance's, once it lands). Handlers run inside the approving unit of work,
before COMMIT: their writes land or roll back with the approval. Each event carries org_id;
a handler must stay inside that organization. With no handler registered, nothing happens.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from tack.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class LeaveApproved:
    org_id: int
    instance_id: int
    member_id: int
    leave_type: str  # annual | sick | personal | compensatory | marriage | maternity | ...
    start: str  # YYYY-MM-DD (org's calendar)
    start_half: str  # am | pm
    end: str
    end_half: str
    days: float


@dataclass(frozen=True, slots=True)
class LeaveRevoked:
    """An approved leave was revoked: the days are working days again."""

    org_id: int
    instance_id: int
    member_id: int
    start: str
    end: str


@dataclass(frozen=True, slots=True)
class OvertimeApproved:
    org_id: int
    instance_id: int
    member_id: int
    date: str
    hours: float


@dataclass(frozen=True, slots=True)
class CardCorrectionApproved:
    """补卡: the member did check in/out at `time` on `date` (org-local)."""

    org_id: int
    instance_id: int
    member_id: int
    date: str
    time: str  # HH:MM
    check: str  # in | out


ApprovalOutcome = LeaveApproved | LeaveRevoked | OvertimeApproved | CardCorrectionApproved
Handler = Callable[[UnitOfWork, ApprovalOutcome], Awaitable[None]]

_handlers: list[Handler] = []


def on_approval_outcome(handler: Handler) -> Handler:
    """Registers a handler (once; registering again is a no-op)."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def registered() -> tuple[Handler, ...]:
    return tuple(_handlers)


def unregister(handler: Handler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


async def emit(uow: UnitOfWork, event: ApprovalOutcome) -> None:
    await uow.session.flush()
    for handler in _handlers:
        await handler(uow, event)


# --- instance and task changes (for whoever mirrors approvals elsewhere: the open platform's
# bpms_instance_change / bpms_task_change events). Separate from the outcomes above, which
# carry side effects; these only describe what happened. Emitted inside the changing unit of
# work (handlers' writes commit with it).


@dataclass(frozen=True, slots=True)
class InstanceChanged:
    """An instance started (`start`), ended with a decision (`finish`: status approved or
    rejected) or was ended otherwise (`terminate`: withdrawn by its submitter, revoked)."""

    org_id: int
    instance_id: int
    template_id: int
    title: str
    submitter_member_id: int
    change: str  # start | finish | terminate
    status: str  # running | approved | rejected | withdrawn | revoked
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class TaskChanged:
    """A task of one approver started (`start`), was decided (`finish`: approved, rejected,
    transferred) or was cancelled without their decision (`cancel`: 或签 decided by another,
    the request ended, 退回)."""

    org_id: int
    instance_id: int
    template_id: int
    title: str
    member_id: int
    change: str  # start | finish | cancel
    status: str  # pending | approved | rejected | transferred | cancelled
    comment: str
    at: datetime


InstanceChange = InstanceChanged | TaskChanged
ChangeHandler = Callable[[UnitOfWork, InstanceChange], Awaitable[None]]

_change_handlers: list[ChangeHandler] = []


def on_instance_change(handler: ChangeHandler) -> ChangeHandler:
    """Registers a handler of instance and task changes (once)."""
    if handler not in _change_handlers:
        _change_handlers.append(handler)
    return handler


def unregister_change(handler: ChangeHandler) -> None:
    if handler in _change_handlers:
        _change_handlers.remove(handler)


def has_change_handlers() -> bool:
    return bool(_change_handlers)


async def emit_change(uow: UnitOfWork, event: InstanceChange) -> None:
    for handler in _change_handlers:
        await handler(uow, event)
