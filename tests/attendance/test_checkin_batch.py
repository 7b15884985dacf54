"""The burst path: check-ins group-committed by the CheckinBatcher (served ahead of FastAPI's
routing) decide exactly as one check-in does, see a signed-out session or a deactivated
member at once, keep a browser's CSRF check, and survive a batch that fails as a whole."""

import asyncio

from sqlalchemy import func, select

from tack.attendance import actions
from tack.attendance.models import AttendanceRecord, AttendanceResult
from tack.core.clock import utc_now
from tests.attendance.conftest import FAR, OFFICE, at, local, next_weekday, punch
from tests.helpers import Api


async def raw_punch(api: Api, *, where: tuple[float, float] = OFFICE, **extra):  # type: ignore[no-untyped-def]
    """A check-in whose status the caller reads (several run at once on one client)."""
    body = {"client_time": utc_now().isoformat(), "lat": where[0], "lng": where[1], **extra}
    return await api.client.post(api.org("/attendance/checkins"), json=body, headers={"authorization": f"Bearer {api.token}"})


async def records(app) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    async with app.state.uow_factory() as uow:
        rows = await uow.session.execute(select(AttendanceRecord.member_id, AttendanceRecord.kind).order_by(AttendanceRecord.id))
        return [tuple(r) for r in rows.all()]


class TestBatch:
    async def test_a_mixed_burst_is_decided_per_check_in(self, cast, office, app):
        bob, eve, carol, dave = cast["bob"], cast["eve"], cast["carol"], cast["dave"]
        intruder = Api(dave.client, dave.token)
        intruder.org_id = bob.org_id  # another org's owner
        batches_before = app.state.checkin_batcher.batches
        with at(local(next_weekday(0), "09:07")):
            answers = await asyncio.gather(
                *(raw_punch(bob, kind="in") for _ in range(4)),
                *(raw_punch(eve, kind="in") for _ in range(4)),
                raw_punch(eve, kind="out", where=FAR),  # out of range: refused, the rest stand
                raw_punch(carol),  # in no group
                raw_punch(intruder),
            )
        assert [a.status_code for a in answers[:8]] == [200] * 8
        ok = [a.json() for a in answers[:8]]
        bob_ids = {a["record"]["id"] for a in ok[:4]}
        eve_ids = {a["record"]["id"] for a in ok[4:]}
        assert len(bob_ids) == len(eve_ids) == 1 and bob_ids != eve_ids
        assert sum(not a["duplicate"] for a in ok[:4]) == 1 and sum(not a["duplicate"] for a in ok[4:]) == 1
        for a in ok:
            assert a["result"]["status"] == "late" and a["result"]["late_minutes"] == 7
            assert a["record"]["place_id"] == office["place"]["id"] and a["record"]["source"] == "app"
        assert [a.status_code for a in answers[8:]] == [400, 409, 404]
        assert [a.json()["code"] for a in answers[8:]] == ["checkin_out_of_range", "not_in_attendance_group", "org_not_found"]
        assert sorted(await records(app)) == sorted([(bob.member_id, "in"), (eve.member_id, "in")])
        # Batched: fewer transactions than check-ins.
        assert app.state.checkin_batcher.batches - batches_before < 11
        async with app.state.uow_factory() as uow:
            results = (await uow.session.execute(select(func.count()).select_from(AttendanceResult))).scalar_one()
        assert results == 2

    async def test_kind_is_guessed_in_then_out(self, cast, office):
        bob = cast["bob"]
        monday = next_weekday(0)
        with at(local(monday, "08:55")):
            first = await punch(bob)
        with at(local(monday, "18:03")):
            second = await punch(bob)
        assert (first["record"]["kind"], second["record"]["kind"]) == ("in", "out")
        assert second["result"]["status"] == "normal" and second["result"]["worked_minutes"] == 548

    async def test_signed_out_session_is_refused_at_once(self, cast, office, client):
        bob = cast["bob"]
        with at(local(next_weekday(0), "09:00")):
            await punch(bob, kind="in")
            await bob.post("/api/v1/auth/logout", expect=204)
            await punch(bob, kind="out", expect=401)
            assert bob.last.json()["code"] == "session_expired"
            bob.token = "not-a-token"
            await punch(bob, kind="out", expect=401)
            assert bob.last.json()["code"] == "session_expired"

    async def test_deactivated_member_is_refused_at_once(self, cast, office):
        alice, bob = cast["alice"], cast["bob"]
        with at(local(next_weekday(0), "09:00")):
            await punch(bob, kind="in")
            await alice.post(alice.org(f"/members/{bob.member_id}/deactivate"))
            await punch(bob, kind="out", expect=404)
            assert bob.last.json()["code"] == "org_not_found"

    async def test_rule_change_counts_for_the_next_check_in(self, cast, office):
        alice, bob = cast["alice"], cast["bob"]
        with at(local(next_weekday(0), "09:00")):
            await punch(bob, kind="in", where=FAR, expect=400)
            await alice.post(
                alice.org(f"/attendance/groups/{office['group']['id']}/places"),
                json={"kind": "geo", "name": "分部", "lat": FAR[0], "lng": FAR[1], "radius_m": 500},
                expect=201,
            )
            r = await punch(bob, kind="in", where=FAR)
        assert r["record"]["place_id"] != office["place"]["id"] and r["record"]["field"] is False

    async def test_browser_needs_its_csrf_header(self, cast, office, client):
        bob = cast["bob"]
        client.cookies.clear()
        login = await client.post("/api/v1/auth/login", json={"login": "13900000002", "password": "password-bob"})
        csrf = login.json()["csrf_token"]
        url = f"/api/v1/orgs/{bob.org_id}/attendance/checkins"
        with at(local(next_weekday(0), "09:00")) as now:
            body = {"client_time": now.isoformat(), "lat": OFFICE[0], "lng": OFFICE[1]}
            r = await client.post(url, json=body)
            assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
            r = await client.post(url, json=body, headers={"x-csrf-token": csrf})
            assert r.status_code == 200 and r.json()["record"]["kind"] == "in"
        client.cookies.clear()

    async def test_what_the_fast_path_leaves_to_fastapi(self, cast, office, client):
        bob = cast["bob"]
        url = f"/api/v1/orgs/{bob.org_id}/attendance/checkins"
        with at(local(next_weekday(0), "09:00")) as now:
            client.cookies.clear()
            r = await client.post(url, json={"client_time": now.isoformat()})
            assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
            await bob.post(bob.org("/attendance/checkins"), json={"client_time": now.isoformat(), "extra": 1}, expect=422)
            assert bob.last.json()["code"] == "validation_error"
            await bob.post(bob.org("/attendance/checkins"), content=b"{not json", expect=422, headers={"content-type": "application/json"})
            await bob.post("/api/v1/orgs/0/attendance/checkins", json={"client_time": now.isoformat()}, expect=422)
            r = await bob.post(bob.org("/attendance/checkins"), json={"client_time": now.isoformat(), "lat": OFFICE[0], "lng": OFFICE[1]})
            assert r["duplicate"] is False

    async def test_oversize_bodies_and_odd_digits(self, cast, office, client):
        bob = cast["bob"]
        with at(local(next_weekday(0), "09:00")) as now:
            body = {"client_time": now.isoformat(), "lat": OFFICE[0], "lng": OFFICE[1], "note": "x" * 20_000}
            r = await bob.post(bob.org("/attendance/checkins"), json=body, expect=413)
            assert r["code"] == "payload_too_large"
            # Arabic-Indic "1" is not an org id: handed to FastAPI, which refuses it.
            r = await bob.post("/api/v1/orgs/\u0661/attendance/checkins", json={"client_time": now.isoformat()}, expect=422)
            # Nothing was written: the first real check-in is new.
            r = await bob.post(bob.org("/attendance/checkins"), json={"client_time": now.isoformat(), "lat": OFFICE[0], "lng": OFFICE[1]})
            assert r["duplicate"] is False and r["record"]["kind"] == "in"

    async def test_a_failing_batch_is_retried_one_by_one(self, cast, office, app, monkeypatch):
        bob, eve = cast["bob"], cast["eve"]
        real = actions.do_checkin_batch
        calls: list[int] = []

        async def flaky(uow, requests, **kw):  # type: ignore[no-untyped-def]
            calls.append(len(requests))
            if len(requests) > 1:
                raise RuntimeError("database is locked")
            return await real(uow, requests, **kw)

        monkeypatch.setattr(actions, "do_checkin_batch", flaky)
        with at(local(next_weekday(0), "09:00")):
            answers = await asyncio.gather(punch(bob, kind="in"), punch(eve, kind="in"), punch(bob, kind="in"))
        assert max(calls) > 1  # they did arrive as one batch
        assert answers[0]["record"]["id"] == answers[2]["record"]["id"] and answers[1]["record"]["member_id"] == eve.member_id
        assert sorted(await records(app)) == sorted([(bob.member_id, "in"), (eve.member_id, "in")])

