"""Statistics and the monthly report: per member, department, group and day; CSV and XLSX
exports; who may see them; another org sees nothing."""

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from tack.attendance.actions import do_close_day
from tests.attendance.conftest import at, local, next_weekday, punch


async def week(app, cast):  # type: ignore[no-untyped-def]
    """Monday: bob 12 min late, eve absent. Tuesday: bob on time and out early, eve on time."""
    alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
    monday = next_weekday(0)
    tuesday = monday + timedelta(days=1)
    with at(local(monday, "09:12")):
        await punch(bob, kind="in")
    with at(local(monday, "18:01")):
        await punch(bob, kind="out")
    with at(local(tuesday, "08:55")):
        await punch(bob, kind="in")
        await punch(eve, kind="in")
    with at(local(tuesday, "17:30")):
        await punch(bob, kind="out")
    with at(local(tuesday, "18:00")):
        await punch(eve, kind="out")
    with at(local(tuesday + timedelta(days=1), "15:00")):
        async with app.state.uow_factory() as uow:
            await do_close_day(uow, alice.org_id, monday)
            await do_close_day(uow, alice.org_id, tuesday)
    return monday, tuesday


class TestStats:
    async def test_per_member_department_group_and_day(self, cast, office, app):
        alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
        monday, tuesday = await week(app, cast)
        s = await alice.get(alice.org(f"/attendance/stats?from_day={monday}&to_day={tuesday}"))
        by = {m["member_id"]: m for m in s["members"]}
        b, e = by[bob.member_id], by[eve.member_id]
        assert (b["workdays"], b["attended"], b["late_count"], b["late_minutes"], b["early_count"], b["early_minutes"]) == (2, 2, 1, 12, 1, 30)
        assert (e["workdays"], e["attended"], e["absent_days"], e["late_count"]) == (2, 1, 1, 0)
        assert b["department"] == "研发部" and b["group"] == "总部"
        assert s["totals"]["absent_days"] == 1 and s["totals"]["late_count"] == 1
        assert [(d["day"], d["members"], d["late_count"], d["absent_days"]) for d in s["daily"]] == [
            (monday.isoformat(), 2, 1, 1), (tuesday.isoformat(), 2, 0, 0),
        ]
        assert [(g["name"], g["members"], g["workdays"]) for g in s["groups"]] == [("总部", 2, 4)]
        rd = [d for d in s["departments"] if d["id"] == alice.refs["rd"]]
        assert rd and rd[0]["members"] == 2 and rd[0]["early_count"] == 1
        day = await alice.get(alice.org(f"/attendance/stats?from_day={monday}&to_day={monday}&department_id={alice.refs['mk']}"))
        assert day["members"] == [] and day["totals"]["workdays"] == 0

    async def test_monthly_report_exports(self, cast, office, app):
        alice, bob = cast["alice"], cast["bob"]
        monday, _ = await week(app, cast)
        month = monday.strftime("%Y-%m")
        report = await alice.get(alice.org(f"/attendance/reports/monthly?month={month}"))
        names = {m["name"] for m in report["members"]}
        r = await alice.get(alice.org(f"/attendance/reports/monthly?month={month}&format=csv"))
        assert r.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0][:4] == ["姓名", "部门", "考勤组", "应出勤天数"]
        assert {row[0] for row in rows[1:]} == names
        r = await alice.get(alice.org(f"/attendance/reports/monthly?month={month}&format=xlsx&lang=en"))
        book = load_workbook(io.BytesIO(r.content), read_only=True)
        sheet = book["Attendance"]
        values = list(sheet.values)
        assert values[0][0] == "Name" and {v[0] for v in values[1:]} == names
        bob_row = next(v for v in values[1:] if v[0] == "bob")
        assert bob_row[7] == sum(m["late_minutes"] for m in report["members"] if m["member_id"] == bob.member_id)
        await alice.get(alice.org("/attendance/reports/monthly?month=2026-13"), expect=400)
        await alice.get(alice.org("/attendance/reports/monthly?month=nov"), expect=422)

    async def test_who_sees_statistics(self, cast, office, app):
        alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
        monday, tuesday = await week(app, cast)
        await bob.get(bob.org(f"/attendance/stats?from_day={monday}&to_day={tuesday}"), expect=403)
        await alice.put(alice.org(f"/departments/{alice.refs['mk']}/managers"), json={"member_ids": [carol.member_id]})
        mine = await carol.get(carol.org(f"/attendance/stats?from_day={monday}&to_day={tuesday}"))
        assert mine["members"] == [] and mine["totals"]["workdays"] == 0
        theirs = await dave.get(dave.org(f"/attendance/reports/monthly?month={monday.strftime('%Y-%m')}"))
        assert theirs["members"] == [] and theirs["groups"] == []
        await dave.get(alice.org(f"/attendance/stats?from_day={monday}&to_day={tuesday}"), expect=404)
