"""Approvals reach attendance through its hook: an approved leave marks the days (revoking it
cancels them), an approved 补卡 sets the punch; rejected requests change nothing."""

from datetime import UTC, datetime

from sqlalchemy import select

from tack.attendance.models import AttendanceLeave, AttendanceRecord
from tests.approval.conftest import act, submit, templates


async def rows(app, model):  # type: ignore[no-untyped-def]
    async with app.state.uow_factory() as uow:
        return list((await uow.session.execute(select(model).order_by(model.id))).scalars())


async def test_leave_marked_and_cancelled(app, cast):
    alice, bob = cast["alice"], cast["bob"]
    leave = (await templates(bob))["leave"]
    inst = await submit(bob, leave["id"], {"leave_type": "事假", "reason": "搬家",
                                           "period": {"start": "2026-12-01", "start_half": "pm", "end": "2026-12-02", "end_half": "am"}})
    assert await rows(app, AttendanceLeave) == []
    await act(alice, inst["id"], "approve")
    [row] = await rows(app, AttendanceLeave)
    # Asia/Shanghai is UTC+8: 2026-12-01 12:00 local → 04:00 UTC; 12-02 12:00 → 12-02 04:00 UTC.
    assert (row.member_id, row.kind, row.ref, row.cancelled) == (bob.member_id, "personal", f"approval:{inst['id']}", False)
    assert (row.start_at, row.end_at) == (datetime(2026, 12, 1, 4, tzinfo=UTC), datetime(2026, 12, 2, 4, tzinfo=UTC))
    await act(alice, inst["id"], "revoke")
    [row] = await rows(app, AttendanceLeave)
    assert row.cancelled


async def test_card_correction_sets_the_punch(app, cast):
    alice, bob = cast["alice"], cast["bob"]
    t = (await templates(bob))["card_correction"]
    rejected = await submit(bob, t["id"], {"date": "2026-11-19", "time": "09:00", "check": "上班", "reason": "x"})
    await act(alice, rejected["id"], "reject")
    inst = await submit(bob, t["id"], {"date": "2026-11-20", "time": "18:30", "check": "下班", "reason": "忘打卡"})
    await act(alice, inst["id"], "approve")
    [record] = await rows(app, AttendanceRecord)
    assert (record.member_id, str(record.day), record.kind, record.checked_at) == (
        bob.member_id, "2026-11-20", "out", datetime(2026, 11, 20, 10, 30, tzinfo=UTC))
