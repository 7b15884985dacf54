"""Rules through the API: shift validation, holidays and make-up workdays (调休), scheduled
shifts across midnight, recompute on rule changes (durable job), closing a day."""

from datetime import timedelta

from tack.attendance import tasks  # noqa: F401  (registers the job names)
from tests.attendance.conftest import at, local, make_shift, next_weekday, punch, run_due


class TestShiftsAndPlaces:
    async def test_shift_validation(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        url = alice.org("/attendance/shifts")
        for body, code in (
            ({"name": "x", "start": "18:00", "end": "09:00"}, "shift_ends_before_start"),
            ({"name": "x", "start": "09:00", "end": "09:00"}, "shift_ends_before_start"),
            ({"name": "x", "start": "25:00", "end": "26:00"}, "shift_bad_time"),
            ({"name": "x", "start": "9h", "end": "18:00"}, "shift_bad_time"),
            ({"name": "x", "start": "09:00", "end": "10:00", "overnight": True}, "shift_too_long"),
            ({"name": "x", "start": "09:00", "end": "18:00", "late_grace_minutes": 10, "serious_late_minutes": 5}, "shift_bad_rule"),
            ({"name": "x", "kind": "flexible", "start": "10:00", "end": "16:00"}, "shift_bad_rule"),
        ):
            await alice.post(url, json=body, expect=400)
            assert alice.last.json()["code"] == code, body
        night = await make_shift(alice, "22:00", "06:00", overnight=True)
        assert (night["start"], night["end"], night["overnight"]) == ("22:00", "06:00", True)
        await bob.post(url, json={"name": "x", "start": "09:00", "end": "18:00"}, expect=403)
        assert (await alice.get(url))["items"] == [night]

    async def test_place_and_group_validation(self, cast, office):
        alice = cast["alice"]
        gid = office["group"]["id"]
        places = alice.org(f"/attendance/groups/{gid}/places")
        for body, code in (
            ({"kind": "geo", "name": "x", "lat": 31.2, "lng": 121.4, "radius_m": 99}, "place_radius_out_of_range"),
            ({"kind": "geo", "name": "x", "lat": 31.2, "lng": 121.4, "radius_m": 3001}, "place_radius_out_of_range"),
            ({"kind": "geo", "name": "x", "lat": 95, "lng": 121.4, "radius_m": 300}, "coordinates_out_of_range"),
            ({"kind": "geo", "name": "x", "lat": 31.2, "radius_m": 300}, "place_invalid"),
            ({"kind": "wifi", "name": "x", "ssid": "a", "bssid": "zz:zz"}, "place_invalid"),
        ):
            await alice.post(places, json=body, expect=400)
            assert alice.last.json()["code"] == code, body
        await alice.post(alice.org("/attendance/groups/9999/places"), json={"kind": "wifi", "name": "x", "ssid": "a", "bssid": "aa:bb:cc:dd:ee:ff"}, expect=404)
        assert alice.last.json()["code"] == "attendance_group_not_found"
        await alice.post(alice.org("/attendance/groups"), json={"name": "g", "kind": "fixed"}, expect=400)
        assert alice.last.json()["code"] == "group_needs_shift"
        await alice.post(alice.org("/attendance/groups"), json={"name": "g", "shift_id": 9999}, expect=404)
        await alice.delete(alice.org(f"/attendance/shifts/{office['shift']['id']}"), expect=409)
        assert alice.last.json()["code"] == "shift_in_use"
        assert len((await alice.get(places))["items"]) == 1  # nothing half-written

    async def test_assignment_moves_members_between_groups(self, cast, office):
        alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
        shift = await make_shift(alice, "10:00", "19:00")
        other = await alice.post(alice.org("/attendance/groups"), json={"name": "研发弹性", "shift_id": shift["id"]}, expect=201)
        g = await alice.put(alice.org(f"/attendance/groups/{other['id']}/assignment"), json={"member_ids": [bob.member_id]})
        assert g["member_ids"] == [bob.member_id]
        with at(local(next_weekday(0), "09:30")):
            assert (await bob.get(bob.org("/attendance/me/today")))["shift"]["start"] == "10:00"  # by name beats department
            assert (await eve.get(eve.org("/attendance/me/today")))["shift"]["start"] == "09:00"
        await alice.put(alice.org(f"/attendance/groups/{other['id']}/assignment"), json={"member_ids": [cast["dave"].member_id]}, expect=404)
        assert alice.last.json()["code"] == "member_not_found"


class TestCalendar:
    async def test_holiday_and_make_up_workday(self, cast, office, runner):
        alice, bob = cast["alice"], cast["bob"]
        monday = next_weekday(0)
        saturday = monday + timedelta(days=5)
        body = {
            "from_day": monday.isoformat(),
            "to_day": (monday + timedelta(days=6)).isoformat(),
            "items": [{"day": monday.isoformat(), "kind": "holiday", "name": "元旦"}, {"day": saturday.isoformat(), "kind": "workday", "name": "调休"}],
        }
        await alice.put(alice.org("/attendance/holidays"), json=body)
        got = await bob.get(bob.org(f"/attendance/holidays?from_day={monday}&to_day={saturday}"))
        assert [(i["day"], i["kind"]) for i in got["items"]] == [(monday.isoformat(), "holiday"), (saturday.isoformat(), "workday")]
        with at(local(monday, "09:30")):
            assert (await bob.get(bob.org("/attendance/me/today")))["shift"] is None
            r = await punch(bob, kind="in")
            assert r["result"]["status"] == "rest" and r["record"]["shift_id"] is None
        with at(local(saturday, "09:30")):
            r = await punch(bob, kind="in")
            assert (r["result"]["status"], r["result"]["late_minutes"]) == ("late", 30)
        bad = {**body, "to_day": (monday - timedelta(days=1)).isoformat()}
        await alice.put(alice.org("/attendance/holidays"), json=bad, expect=400)
        assert alice.last.json()["code"] == "bad_date_range"

    async def test_rule_change_recomputes_idempotently(self, cast, office, runner, app):
        alice, bob = cast["alice"], cast["bob"]
        monday = next_weekday(0)
        with at(local(monday, "09:20")):
            r = await punch(bob, kind="in")
            assert r["result"]["late_minutes"] == 20
            await alice.patch(alice.org(f"/attendance/shifts/{office['shift']['id']}"), json={"start": "09:30"})
            await run_due(runner)
            [res] = (await alice.get(alice.org(f"/attendance/results?from_day={monday}&to_day={monday}&member_id={bob.member_id}")))["items"]
            assert (res["status"], res["late_minutes"]) == ("in", 0)
            await alice.patch(alice.org(f"/attendance/shifts/{office['shift']['id']}"), json={"start": "09:00"})
            await run_due(runner)
            await run_due(runner)
            again = (await alice.get(alice.org(f"/attendance/results?from_day={monday}&to_day={monday}")))["items"]
        assert [(x["member_id"], x["late_minutes"]) for x in again if x["member_id"] == bob.member_id] == [(bob.member_id, 20)]
        assert len(again) == 2  # bob and eve, once each

    async def test_closing_the_day_marks_absent_and_missing(self, cast, office, app):
        from tack.attendance.actions import do_close_day

        alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
        monday = next_weekday(0)
        with at(local(monday, "08:55")):
            await punch(bob, kind="in")
        with at(local(monday + timedelta(days=1), "14:05")):
            async with app.state.uow_factory() as uow:
                await do_close_day(uow, alice.org_id, monday)
            rows = (await alice.get(alice.org(f"/attendance/results?from_day={monday}&to_day={monday}")))["items"]
        by_member = {r["member_id"]: r for r in rows}
        assert by_member[bob.member_id]["status"] == "missing_out" and by_member[bob.member_id]["missing_out"]
        assert by_member[eve.member_id]["status"] == "absent" and by_member[eve.member_id]["absent"]
        assert cast["carol"].member_id not in by_member


class TestScheduledShifts:
    async def test_night_shift_across_midnight_and_overlap(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        night = await make_shift(alice, "22:00", "06:00", overnight=True, late_grace_minutes=0, serious_late_minutes=0)
        early = await make_shift(alice, "05:00", "13:00")
        group = await alice.post(alice.org("/attendance/groups"), json={"name": "车间", "kind": "scheduled"}, expect=201)
        await alice.put(alice.org(f"/attendance/groups/{group['id']}/assignment"), json={"member_ids": [bob.member_id]})
        d = next_weekday(2)
        nxt = d + timedelta(days=1)
        await alice.put(alice.org("/attendance/schedules"), json={"items": [{"member_id": bob.member_id, "day": d.isoformat(), "shift_id": night["id"]}]})
        await alice.put(alice.org("/attendance/schedules"), json={"items": [{"member_id": bob.member_id, "day": nxt.isoformat(), "shift_id": early["id"]}]}, expect=400)
        assert alice.last.json()["code"] == "schedule_overlap"
        await alice.put(alice.org("/attendance/schedules"), json={"items": [{"member_id": cast["carol"].member_id, "day": d.isoformat(), "shift_id": night["id"]}]}, expect=400)
        assert alice.last.json()["code"] == "not_scheduled_group"
        for bad in ({"items": []}, {"items": [{"member_id": bob.member_id, "day": "9999-12-31", "shift_id": night["id"]}]}):
            await alice.put(alice.org("/attendance/schedules"), json=bad, expect=422)
            assert alice.last.json()["code"] == "validation_error"
        await alice.get(alice.org("/attendance/holidays"), params={"from_day": "9999-12-01", "to_day": "9999-12-31"}, expect=422)
        with at(local(d, "21:55")):
            r = await punch(bob, where=None, kind="in")
            assert r["record"]["day"] == d.isoformat()
        with at(local(nxt, "06:02")):
            today = await bob.get(bob.org("/attendance/me/today"))
            assert today["day"] == d.isoformat() and today["shift"]["id"] == night["id"]
            r = await punch(bob, where=None, kind="out")
        assert r["record"]["day"] == d.isoformat()
        assert (r["result"]["status"], r["result"]["worked_minutes"]) == ("normal", 8 * 60 + 7)
        listed = await alice.get(alice.org(f"/attendance/schedules?from_day={d}&to_day={nxt}"))
        assert listed["items"] == [{"member_id": bob.member_id, "day": d.isoformat(), "shift_id": night["id"]}]
