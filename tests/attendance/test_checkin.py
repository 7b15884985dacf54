"""Check-in through the API: places, field check-ins, clock check, duplicates and races,
the result it returns, and the bad input the issue lists."""

import asyncio

from sqlalchemy import func, select

from tack.attendance.models import AttendanceRecord
from tests.attendance.conftest import FAR, OFFICE, at, local, next_weekday, punch


class TestCheckin:
    async def test_late_check_in_then_early_check_out(self, cast, office):
        bob = cast["bob"]
        monday = next_weekday(0)
        with at(local(monday, "09:12")):
            r = await punch(bob, kind="in", accuracy_m=20, client_device="phone-1")
            assert r["duplicate"] is False
            rec = r["record"]
            assert (rec["kind"], rec["day"], rec["place_id"], rec["field"], rec["source"]) == ("in", monday.isoformat(), office["place"]["id"], False, "app")
            assert (rec["lat"], rec["lng"], rec["accuracy_m"]) == (OFFICE[0], OFFICE[1], 20)
            assert (r["result"]["status"], r["result"]["late_minutes"], r["result"]["serious_late"]) == ("late", 12, False)
        with at(local(monday, "17:40")):
            r = await punch(bob, kind="out")
            res = r["result"]
            assert (res["status"], res["late_minutes"], res["early_minutes"]) == ("late", 12, 20)
            assert res["worked_minutes"] == 508
            today = await bob.get(bob.org("/attendance/me/today"))
        assert [x["kind"] for x in today["records"]] == ["in", "out"] and today["day"] == monday.isoformat()
        assert today["records"][0]["place_name"] == "人民广场" and today["shift"]["start"] == "09:00"
        assert today["result"]["status"] == "late" and today["timezone"] == "Asia/Shanghai"

    async def test_duplicate_returns_the_first_record(self, cast, office):
        bob = cast["bob"]
        monday = next_weekday(0)
        with at(local(monday, "08:50")):
            first = await punch(bob, kind="in")
        with at(local(monday, "09:40")):
            again = await punch(bob, kind="in", accuracy_m=5)
        assert again["duplicate"] is True and again["record"] == first["record"]
        assert again["result"]["status"] == "in" and again["result"]["late_minutes"] == 0

    async def test_concurrent_check_ins_leave_exactly_one_record(self, cast, office, app):
        bob = cast["bob"]
        monday = next_weekday(0)
        with at(local(monday, "08:59")):
            answers = await asyncio.gather(*(punch(bob, kind="in") for _ in range(12)))
        ids = {a["record"]["id"] for a in answers}
        assert len(ids) == 1 and sum(not a["duplicate"] for a in answers) == 1
        async with app.state.uow_factory() as uow:
            n = (await uow.session.execute(select(func.count()).select_from(AttendanceRecord))).scalar_one()
        assert n == 1

    async def test_out_of_range_field_and_note(self, cast, office):
        alice, bob = cast["alice"], cast["bob"]
        monday = next_weekday(0)
        with at(local(monday, "09:00")):
            await punch(bob, where=FAR, expect=400)
            assert bob.last.json()["code"] == "checkin_out_of_range" and bob.last.json()["detail"]["nearest_m"] > 10000
            await punch(bob, where=FAR, field=True, note="客户现场", expect=403)
            assert bob.last.json()["code"] == "field_checkin_not_allowed"
            await alice.patch(alice.org(f"/attendance/groups/{office['group']['id']}"), json={"allow_field": True})
            await punch(bob, where=FAR, field=True, expect=400)
            assert bob.last.json()["code"] == "field_note_required"
            r = await punch(bob, where=FAR, field=True, note="客户现场")
        assert r["record"]["field"] is True and r["record"]["note"] == "客户现场" and r["record"]["place_id"] is None
        assert r["result"]["field"] is True

    async def test_wifi_counts_without_a_position(self, cast, office):
        alice, bob = cast["alice"], cast["bob"]
        wifi = await alice.post(
            alice.org(f"/attendance/groups/{office['group']['id']}/places"),
            json={"kind": "wifi", "name": "办公室", "ssid": "Acme", "bssid": "AA-BB-CC-00-11-22"},
            expect=201,
        )
        assert wifi["bssid"] == "aa:bb:cc:00:11:22"
        with at(local(next_weekday(0), "09:00")):
            r = await punch(bob, where=None, ssid="Acme", bssid="aa:bb:cc:00:11:22")
        assert r["record"]["place_id"] == wifi["id"] and r["record"]["bssid"] == "aa:bb:cc:00:11:22"

    async def test_bad_input(self, cast, office, app):
        bob, carol = cast["bob"], cast["carol"]
        monday = next_weekday(0)
        with at(local(monday, "09:00")):
            body = {"client_time": local(monday, "09:30").isoformat(), "lat": OFFICE[0], "lng": OFFICE[1]}
            await bob.post(bob.org("/attendance/checkins"), json=body, expect=400)
            assert bob.last.json()["code"] == "clock_skew"
            await punch(bob, where=(91.0, 121.0), expect=400)
            assert bob.last.json()["code"] == "coordinates_out_of_range"
            await punch(bob, where=(31.0, 181.0), expect=400)
            await bob.post(bob.org("/attendance/checkins"), json={"client_time": "yesterday"}, expect=422)
            await punch(carol, expect=409)
            assert carol.last.json()["code"] == "not_in_attendance_group"
            r = await bob.post(bob.org("/attendance/checkins"), json=body, expect=400, headers={"accept-language": "zh-CN"})
            assert r["message"] == "设备时间与服务器时间相差过大，请校准后重试"
        async with app.state.uow_factory() as uow:
            assert (await uow.session.execute(select(func.count()).select_from(AttendanceRecord))).scalar_one() == 0

    async def test_device_binding(self, cast, office):
        alice, bob = cast["alice"], cast["bob"]
        await alice.patch(alice.org(f"/attendance/groups/{office['group']['id']}"), json={"require_binding": True})
        monday = next_weekday(0)
        with at(local(monday, "09:00")):
            await punch(bob, kind="in", expect=400)
            assert bob.last.json()["code"] == "client_device_required"
            await punch(bob, kind="in", client_device="bob-phone")
            await punch(bob, kind="out", client_device="eve-phone", expect=403)
            assert bob.last.json()["code"] == "device_not_bound"
            await punch(bob, kind="out", client_device="bob-phone")

    async def test_replace_check_out(self, cast, office):
        bob = cast["bob"]
        monday = next_weekday(0)
        with at(local(monday, "09:00")):
            await punch(bob, kind="in")
        with at(local(monday, "17:00")):
            first = await punch(bob, kind="out")
        with at(local(monday, "18:05")):
            kept = await punch(bob, kind="out")
            assert kept["duplicate"] and kept["record"]["checked_at"] == first["record"]["checked_at"]
            replaced = await punch(bob, kind="out", replace=True)
        assert replaced["record"]["id"] == first["record"]["id"] and replaced["result"]["status"] == "normal"
