"""Check-in / check-out reminders: off by default; when a group turns them on, durable jobs
remind exactly who has not checked in (before the shift) or out (at its end), day after day."""

from datetime import timedelta

from sqlalchemy import select

from tack.storage.jobs_table import Job
from tests.attendance.conftest import at, local, next_weekday, punch, run_due
from tests.chat.conftest import account_of, captured_events  # noqa: F401  (fixture)


async def remind_jobs(app):  # type: ignore[no-untyped-def]
    async with app.state.uow_factory() as uow:
        rows = (await uow.session.execute(select(Job).where(Job.name == "attendance.remind").order_by(Job.run_at))).scalars()
        return [(j.args["day"], j.args["kind"], j.status) for j in rows]


class TestReminders:
    async def test_off_by_default(self, cast, office, app):
        assert office["group"]["reminders"] is False
        assert await remind_jobs(app) == []

    async def test_reminds_who_has_not_checked_in_or_out(self, cast, office, app, runner, captured_events):
        alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
        b, e = await account_of(bob), await account_of(eve)
        monday = next_weekday(0)
        with at(local(monday - timedelta(days=2), "12:00")):  # the Saturday before (a rest day)
            await alice.patch(alice.org(f"/attendance/groups/{office['group']['id']}"), json={"reminders": True, "remind_before_minutes": 10})
        assert await remind_jobs(app) == [(monday.isoformat(), "in", "queued"), (monday.isoformat(), "out", "queued")]
        with at(local(monday, "08:45")):
            await punch(eve, kind="in")
        with at(local(monday, "08:50")):
            captured_events.clear()
            await run_due(runner)
            [event] = captured_events.of("attendance", "remind")
            assert set(event.to_accounts) == {b} and event.data["kind"] == "in"
        with at(local(monday, "18:00")):
            captured_events.clear()
            await run_due(runner)
            [event] = captured_events.of("attendance", "remind")
            assert set(event.to_accounts) == {e} and event.data["kind"] == "out"
        tuesday = (monday + timedelta(days=1)).isoformat()
        assert (await remind_jobs(app))[-2:] == [(tuesday, "in", "queued"), (tuesday, "out", "queued")]
        # turned off: the planned reminder runs but reminds nobody and plans nothing more
        await alice.patch(alice.org(f"/attendance/groups/{office['group']['id']}"), json={"reminders": False})
        with at(local(monday + timedelta(days=1), "18:01")):
            captured_events.clear()
            await run_due(runner)
            assert captured_events.of("attendance") == []
        assert [j for j in await remind_jobs(app) if j[2] == "queued"] == []
