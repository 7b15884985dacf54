"""The approvals hook (leave, card correction), the managers' today board, and a second
organization that sees and changes nothing."""

from datetime import timedelta

from tack.attendance import hooks
from tests.attendance.conftest import at, local, next_weekday, punch


class TestApprovalsHook:
    async def test_leave_marks_the_day_and_is_idempotent(self, cast, office, app):
        alice, bob = cast["alice"], cast["bob"]
        monday = next_weekday(0)
        with at(local(monday + timedelta(days=1), "20:00")):
            for _ in range(2):
                async with app.state.uow_factory() as uow:
                    leave = await hooks.mark_leave(
                        uow, alice.org_id, bob.member_id, local(monday, "09:00"), local(monday, "18:00"), kind="annual", ref="approval:1"
                    )
            mine = (await bob.get(bob.org(f"/attendance/me/results?from_day={monday}&to_day={monday}")))["items"]
            assert [(r["status"], r["on_leave"], r["absent"]) for r in mine] == [("leave", True, False)]
            async with app.state.uow_factory() as uow:
                await hooks.cancel_leave(uow, alice.org_id, ref="approval:1")
            mine = (await bob.get(bob.org(f"/attendance/me/results?from_day={monday}&to_day={monday}")))["items"]
        assert leave.ref == "approval:1" and [r["status"] for r in mine] == ["absent"]

    async def test_card_correction_fills_a_missing_check_in(self, cast, office, app):
        alice, bob = cast["alice"], cast["bob"]
        monday = next_weekday(0)
        with at(local(monday, "18:10")):
            r = await punch(bob, kind="out")
            assert r["result"]["status"] == "missing_in"
            async with app.state.uow_factory() as uow:
                record = await hooks.correct_card(uow, alice.org_id, bob.member_id, monday, "in", local(monday, "08:58"), ref="approval:2")
            assert (record.source, record.kind) == ("correction", "in")
            mine = (await bob.get(bob.org(f"/attendance/me/results?from_day={monday}&to_day={monday}")))["items"]
            records = (await bob.get(bob.org(f"/attendance/me/records?from_day={monday}&to_day={monday}")))["items"]
        assert [r["status"] for r in mine] == ["normal"]
        assert sorted((r["kind"], r["source"]) for r in records) == [("in", "correction"), ("out", "app")]


class TestBoard:
    async def test_admin_and_manager_see_the_board(self, cast, office):
        alice, bob, eve, carol = cast["alice"], cast["bob"], cast["eve"], cast["carol"]
        monday = next_weekday(0)
        with at(local(monday, "09:20")):
            await punch(bob, kind="in")
            board = await alice.get(alice.org("/attendance/board/today"))
            assert board["day"] == monday.isoformat()
            assert [(m["member_id"], m["state"], m["late_minutes"]) for m in board["members"]] == [
                (bob.member_id, "late", 20), (eve.member_id, "not_in", 0),
            ]
            assert board["counts"] | {} == {"in": 0, "late": 1, "not_in": 1, "leave": 0, "rest": 0, "field": 0}
            await carol.get(carol.org("/attendance/board/today"), expect=403)
            assert carol.last.json()["code"] == "attendance_not_manager"
            # carol becomes manager of 市场部 (nobody there has a group): an empty board
            await alice.put(alice.org(f"/departments/{alice.refs['mk']}/managers"), json={"member_ids": [carol.member_id]})
            assert (await carol.get(carol.org("/attendance/board/today")))["members"] == []
            await alice.put(alice.org(f"/departments/{alice.refs['rd']}/managers"), json={"member_ids": [carol.member_id]})
            seen = await carol.get(carol.org("/attendance/board/today"))
            assert {m["member_id"] for m in seen["members"]} == {bob.member_id, eve.member_id}
            await eve.get(eve.org(f"/attendance/results?from_day={monday}&to_day={monday}"), expect=403)
            own = await eve.get(eve.org(f"/attendance/results?from_day={monday}&to_day={monday}&member_id={eve.member_id}"))
            assert own["items"] == []


class TestTenancy:
    async def test_another_org_sees_and_changes_nothing(self, cast, office):
        alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
        gid, sid, pid = office["group"]["id"], office["shift"]["id"], office["place"]["id"]
        monday = next_weekday(0)
        with at(local(monday, "09:00")):
            await punch(bob, kind="in")
            # dave, owner of globex, addresses acme's rows through his own org: not found
            await dave.get(dave.org(f"/attendance/groups/{gid}"), expect=404)
            await dave.patch(dave.org(f"/attendance/groups/{gid}"), json={"name": "x"}, expect=404)
            await dave.patch(dave.org(f"/attendance/shifts/{sid}"), json={"start": "10:00"}, expect=404)
            await dave.delete(dave.org(f"/attendance/places/{pid}"), expect=404)
            await dave.put(dave.org(f"/attendance/groups/{gid}/assignment"), json={"member_ids": [bob.member_id]}, expect=404)
            assert (await dave.get(dave.org("/attendance/groups")))["items"] == []
            assert (await dave.get(dave.org("/attendance/shifts")))["items"] == []
            assert (await dave.get(dave.org("/attendance/board/today")))["members"] == []
            rows = await dave.get(dave.org(f"/attendance/results?from_day={monday}&to_day={monday}"))
            assert rows["items"] == []
            # and through acme's URL he is no member
            await dave.get(alice.org("/attendance/board/today"), expect=404)
            await dave.post(alice.org("/attendance/checkins"), json={"client_time": monday.isoformat() + "T01:00:00Z"}, expect=404)
            # his own group cannot take acme's members or departments
            shift = await dave.post(dave.org("/attendance/shifts"), json={"name": "d", "start": "09:00", "end": "18:00"}, expect=201)
            g = await dave.post(dave.org("/attendance/groups"), json={"name": "g", "shift_id": shift["id"]}, expect=201)
            await dave.put(dave.org(f"/attendance/groups/{g['id']}/assignment"), json={"member_ids": [bob.member_id]}, expect=404)
            await dave.put(dave.org(f"/attendance/groups/{g['id']}/assignment"), json={"department_ids": [alice.refs["rd"]]}, expect=404)
            await dave.put(dave.org("/attendance/schedules"), json={"items": [{"member_id": bob.member_id, "day": monday.isoformat(), "shift_id": shift["id"]}]}, expect=404)
            # acme is untouched
            group = await alice.get(alice.org(f"/attendance/groups/{gid}"))
            assert group["name"] == "总部" and group["department_ids"] == [alice.refs["rd"]]
            assert (await bob.get(bob.org("/attendance/me/today")))["shift"]["start"] == "09:00"
            assert len((await alice.get(alice.org("/attendance/board/today")))["members"]) == 2
