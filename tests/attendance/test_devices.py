"""Clock-in devices: registration, HMAC-signed requests, offline batches (duplicates ignored,
out of order fine), bad signatures and stale requests, device binding, another org."""

import json
import time
from datetime import timedelta

from sqlalchemy import func, select

from tack.attendance.models import AttendanceRecord
from tack.attendance.signing import sign
from tests.attendance.conftest import at, local, next_weekday


async def upload(client, device, records, *, secret=None, timestamp=None, expect=200):  # type: ignore[no-untyped-def]
    body = json.dumps({"records": records}).encode()
    ts = str(int(timestamp if timestamp is not None else time.time()))
    headers = {
        "content-type": "application/json",
        "x-tack-device": device["serial"],
        "x-tack-timestamp": ts,
        "x-tack-signature": sign(secret or device["secret"], ts, body),
    }
    client.cookies.clear()
    r = await client.post("/api/v1/attendance/device/punches", content=body, headers=headers)
    assert r.status_code == expect, r.text
    return r.json()


async def records_of(app, member_id):  # type: ignore[no-untyped-def]
    async with app.state.uow_factory() as uow:
        rows = (await uow.session.execute(select(AttendanceRecord).where(AttendanceRecord.member_id == member_id))).scalars()
        return sorted(((r.day, r.kind, r.checked_at, r.source) for r in rows))


class TestDevices:
    async def test_register_list_and_secret_shown_once(self, cast, office):
        alice, bob = cast["alice"], cast["bob"]
        d = await alice.post(alice.org("/attendance/devices"), json={"name": "前台指纹机", "serial": "ZK-0001", "group_id": office["group"]["id"]}, expect=201)
        assert len(d["secret"]) == 48
        listed = await alice.get(alice.org("/attendance/devices"))
        assert [x["serial"] for x in listed["items"]] == ["ZK-0001"] and listed["items"][0]["secret"] is None
        await alice.post(alice.org("/attendance/devices"), json={"name": "x", "serial": "ZK-0001"}, expect=409)
        assert alice.last.json()["code"] == "device_serial_taken"
        await alice.post(alice.org("/attendance/devices"), json={"name": "x", "serial": "ZK-0002", "group_id": 999}, expect=404)
        await bob.post(bob.org("/attendance/devices"), json={"name": "x", "serial": "ZK-0003"}, expect=403)

    async def test_offline_batch_out_of_order_with_duplicates(self, cast, office, client, app):
        alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
        await alice.patch(alice.org(f"/members/{eve.member_id}"), json={"employee_no": "E-7"})
        d = await alice.post(alice.org("/attendance/devices"), json={"name": "前台", "serial": "ZK-0100"}, expect=201)
        monday = next_weekday(0)
        tuesday = monday + timedelta(days=1)
        with at(local(tuesday, "20:00")):
            later = [
                {"member_id": bob.member_id, "at": local(monday, "18:03").isoformat()},
                {"employee_no": "E-7", "at": local(monday, "09:20").isoformat()},
                {"member_id": bob.member_id, "at": local(monday, "12:00").isoformat()},
            ]
            r = await upload(client, d, later)
            assert (r["accepted"], r["duplicates"], r["rejected"]) == (3, 0, [])
            # the machine's backlog arrives again, with an earlier punch it had missed
            again = [*later, {"member_id": bob.member_id, "at": local(monday, "08:51").isoformat()}, {"member_id": 99999, "at": local(monday, "09:00").isoformat()}]
            r = await upload(client, d, again)
            assert (r["accepted"], r["duplicates"]) == (1, 3) and r["rejected"] == [{"index": 4, "code": "member_not_found"}]
            rows = await records_of(app, bob.member_id)
            assert [(k, t.astimezone(local(monday, "00:00").tzinfo).strftime("%H:%M"), s) for _, k, t, s in rows] == [
                ("in", "08:51", "device"), ("out", "18:03", "device"),
            ]
            res = (await alice.get(alice.org(f"/attendance/results?from_day={monday}&to_day={monday}")))["items"]
        by = {x["member_id"]: x for x in res}
        assert by[bob.member_id]["status"] == "normal"
        assert by[eve.member_id]["late_minutes"] == 20 and by[eve.member_id]["check_in_at"] is not None

    async def test_bad_signatures_stale_and_disabled(self, cast, office, client, app):
        alice, bob = cast["alice"], cast["bob"]
        d = await alice.post(alice.org("/attendance/devices"), json={"name": "前台", "serial": "ZK-0200"}, expect=201)
        punch = [{"member_id": bob.member_id, "at": local(next_weekday(0), "09:00").isoformat()}]
        r = await upload(client, d, punch, secret="0" * 48, expect=401)
        assert r["code"] == "device_bad_signature"
        r = await upload(client, {**d, "serial": "NOPE-1"}, punch, expect=401)
        assert r["code"] == "device_bad_signature"
        r = await upload(client, d, punch, timestamp=time.time() - 3600, expect=401)
        assert r["code"] == "device_stale_request"
        await alice.patch(alice.org(f"/attendance/devices/{d['id']}"), json={"active": False})
        r = await upload(client, d, punch, expect=403)
        assert r["code"] == "device_disabled"
        await alice.patch(alice.org(f"/attendance/devices/{d['id']}"), json={"active": True})
        r = await upload(client, d, [{"member_id": bob.member_id}], expect=422)
        r = await upload(client, d, [{"member_id": bob.member_id, "at": "2026-01-01T09:00:00Z"}] * 1001, expect=413)
        assert await records_of(app, bob.member_id) == []
        r2 = await client.post("/api/v1/attendance/device/punches", json={"records": []})
        assert r2.status_code == 422  # headers missing

    async def test_punches_off_the_calendar_are_rejected_one_by_one(self, cast, office, client, app):
        alice, bob = cast["alice"], cast["bob"]
        d = await alice.post(alice.org("/attendance/devices"), json={"name": "前台", "serial": "ZK-0250"}, expect=201)
        monday = next_weekday(0)
        with at(local(monday, "20:00")):
            r = await upload(client, d, [
                {"member_id": bob.member_id, "at": "9999-12-31T12:00:00Z"},
                {"member_id": bob.member_id, "at": "0001-01-01T00:00:00+05:00"},
                {"member_id": bob.member_id, "at": (local(monday, "20:00") + timedelta(days=2)).isoformat()},
                {"member_id": bob.member_id, "at": local(monday, "09:00").isoformat()},
            ])
        assert (r["accepted"], r["duplicates"]) == (1, 0)
        assert r["rejected"] == [{"index": i, "code": "bad_time"} for i in (0, 1, 2)]
        assert len(await records_of(app, bob.member_id)) == 1

    async def test_binding_to_the_groups_devices(self, cast, office, client, app):
        alice, bob = cast["alice"], cast["bob"]
        await alice.patch(alice.org(f"/attendance/groups/{office['group']['id']}"), json={"require_binding": True})
        own = await alice.post(alice.org("/attendance/devices"), json={"name": "总部", "serial": "ZK-0300", "group_id": office["group"]["id"]}, expect=201)
        other = await alice.post(alice.org("/attendance/devices"), json={"name": "分部", "serial": "ZK-0301"}, expect=201)
        monday = next_weekday(0)
        with at(local(monday, "19:00")):
            p = [{"member_id": bob.member_id, "at": local(monday, "09:00").isoformat(), "kind": "in"}]
            r = await upload(client, other, p)
            assert r["rejected"] == [{"index": 0, "code": "device_not_bound"}]
            r = await upload(client, own, p)
            assert r["accepted"] == 1

    async def test_another_orgs_members_are_unknown_to_a_device(self, cast, office, client, app):
        alice, dave = cast["alice"], cast["dave"]
        d = await alice.post(alice.org("/attendance/devices"), json={"name": "前台", "serial": "ZK-0400"}, expect=201)
        monday = next_weekday(0)
        with at(local(monday, "10:00")):
            r = await upload(client, d, [{"member_id": dave.member_id, "at": local(monday, "09:00").isoformat()}])
        assert r["rejected"] == [{"index": 0, "code": "member_not_found"}]
        await dave.get(dave.org(f"/attendance/devices/{d['id']}"), expect=405)
        await dave.patch(dave.org(f"/attendance/devices/{d['id']}"), json={"active": False}, expect=404)
        assert (await dave.get(dave.org("/attendance/devices")))["items"] == []
        async with app.state.uow_factory() as uow:
            assert (await uow.session.execute(select(func.count()).select_from(AttendanceRecord))).scalar_one() == 0
