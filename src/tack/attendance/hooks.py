"""What the approvals domain calls when an approval lands (it sits above attendance, so it
imports this module directly; see DESIGN.md "a lower domain offers a hook").

Each call runs inside the caller's unit of work, so the approval and its effect on attendance
commit together, and each is idempotent by `ref` (the approval's id): an approval applied
twice changes attendance once.

    await attendance.hooks.mark_leave(uow, org_id, member_id, start_at, end_at, kind="annual", ref="approval:42")
    await attendance.hooks.cancel_leave(uow, org_id, ref="approval:42")
    await attendance.hooks.correct_card(uow, org_id, member_id, day, "in", at, ref="approval:43")

And what attendance announces to whoever sits above it: `on_check_in(handler)` (main.py wires
the open platform's attendance_check_record events to it).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from tack.storage.uow import UnitOfWork

if TYPE_CHECKING:
    from tack.attendance.schemas import LeaveRead, RecordRead

# The calls below import attendance's actions when first called: main.register_hooks imports
# this module at start for `on_check_in`, and an idle server need not hold attendance's code
# (core/lazy.py). Whatever emits a check-in has imported the actions already.


async def mark_leave(
    uow: UnitOfWork, org_id: int, member_id: int, start_at: datetime, end_at: datetime, *, kind: str, ref: str
) -> "LeaveRead":
    """An approved leave (请假, 出差, 外出…): the days it covers become "on leave" (whole
    shift) or move the expected arrival / departure (part of it). Raises LeaveBadRange,
    MemberNotFound."""
    from tack.attendance import actions
    from tack.attendance.schemas import LeaveRead

    leave = await actions.do_mark_leave(uow, org_id, member_id, start_at, end_at, kind=kind, ref=ref)
    return LeaveRead(
        id=leave.id, member_id=leave.member_id, start_at=leave.start_at, end_at=leave.end_at,
        kind=leave.kind, ref=leave.ref, cancelled=leave.cancelled,
    )


async def cancel_leave(uow: UnitOfWork, org_id: int, *, ref: str) -> None:
    """The leave's approval was revoked: its days are recomputed without it."""
    from tack.attendance import actions

    await actions.do_cancel_leave(uow, org_id, ref)


async def correct_card(
    uow: UnitOfWork, org_id: int, member_id: int, day: date, kind: str, at: datetime, *, ref: str, note: str = ""
) -> "RecordRead":
    """An approved card correction (补卡): the member's check-in (`kind` "in") or check-out
    ("out") of attendance day `day` is at `at`; the day is recomputed."""
    from tack.attendance import actions
    from tack.attendance.reads import record_read

    return record_read(await actions.do_correct_card(uow, org_id, member_id, day, kind, at, ref=ref, note=note))


# --- check-ins, announced to higher domains ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckedIn:
    """A new punch was written (a repeat that changed nothing is not announced; a later
    check-out replacing the earlier one is). Emitted inside the punch's unit of work."""

    org_id: int
    record_id: int
    member_id: int
    group_id: int
    day: date
    kind: str  # in | out
    checked_at: datetime
    source: str  # app | device | correction
    place_id: int | None
    field: bool
    device_id: int | None


CheckInHandler = Callable[[UnitOfWork, list[CheckedIn]], Awaitable[None]]
_check_in_handlers: list[CheckInHandler] = []


def on_check_in(handler: CheckInHandler) -> CheckInHandler:
    """Registers a handler of new punches (once). It gets the punches of one organization that
    one transaction wrote: one for a single check-in, many for a batch of the 9:00 burst."""
    if handler not in _check_in_handlers:
        _check_in_handlers.append(handler)
    return handler


def unregister_check_in(handler: CheckInHandler) -> None:
    if handler in _check_in_handlers:
        _check_in_handlers.remove(handler)


async def emit_check_ins(uow: UnitOfWork, events: list[CheckedIn]) -> None:
    if not events:
        return
    for handler in _check_in_handlers:
        await handler(uow, events)
