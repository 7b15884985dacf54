"""Approved leave and 补卡 reach attendance through attendance's own hook (tack.attendance.hooks),
wired in main.register_hooks as a handler of tack.approval.hooks.

Wall-clock policy (the org's time zone), where approvals speak in dates and half days:
- a leave starting in the morning starts at 00:00 of its first day, one starting in the
  afternoon at 12:00; one ending at noon ends at 12:00 of its last day, otherwise at 24:00;
  attendance trims that span to each day's shift;
- a card correction is the punch at the given date and HH:MM.
Overtime is not sent: attendance keeps no overtime records yet.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tack.approval import hooks
from tack.attendance import hooks as attendance
from tack.directory.queries import org_timezone
from tack.storage.uow import UnitOfWork


def _at(day: str, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(0, 0), tz) + timedelta(hours=hour, minutes=minute)


async def on_outcome(uow: UnitOfWork, event: hooks.ApprovalOutcome) -> None:
    ref = f"approval:{event.instance_id}"
    if isinstance(event, hooks.LeaveApproved):
        tz = ZoneInfo(await org_timezone(uow.session, event.org_id))
        start = _at(event.start, 12 if event.start_half == "pm" else 0, 0, tz)
        end = _at(event.end, 12 if event.end_half == "am" else 24, 0, tz)
        await attendance.mark_leave(uow, event.org_id, event.member_id, start, end, kind=event.leave_type, ref=ref)
    elif isinstance(event, hooks.LeaveRevoked):
        await attendance.cancel_leave(uow, event.org_id, ref=ref)
    elif isinstance(event, hooks.CardCorrectionApproved):
        tz = ZoneInfo(await org_timezone(uow.session, event.org_id))
        hour, minute = (int(x) for x in event.time.split(":"))
        await attendance.correct_card(
            uow, event.org_id, event.member_id, date.fromisoformat(event.date), event.check,
            _at(event.date, hour, minute, tz), ref=ref, note="补卡审批",
        )
