"""Who approves: managers walking up the tree, conditions, roles, the submitter's choice,
de-duplication, CC; the preview shown before submitting equals what submitting resolves."""

from tests.approval.conftest import act, box, make_template, submit


def approvers(inst):
    return [[a["id"] for a in s["approvers"]] for s in inst["steps"]]


async def managers(alice, dept, *people):
    await alice.put(alice.org(f"/departments/{dept}/managers"), json={"member_ids": [p.member_id for p in people]})


class TestManagers:
    async def test_department_manager_levels_skip_empty_departments(self, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        team = await alice.post(alice.org("/departments"), json={"name": "后端组", "parent_id": alice.refs["rd"]}, expect=201)
        squad = await alice.post(alice.org("/departments"), json={"name": "存储", "parent_id": team["id"]}, expect=201)
        await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"department_ids": [squad["id"]]})
        # 存储 (bob's) has no manager, 后端组 has eve, 研发部 none, root carol.
        await managers(alice, team["id"], eve)
        await managers(alice, alice.refs["root"], carol)
        t = await make_template(alice, [
            {"kind": "department_manager", "level": 1},
            {"kind": "department_manager", "level": 2},
            {"kind": "department_manager", "level": 3},
        ])
        preview = await bob.post(bob.org(f"/approval/templates/{t['id']}/preview"), json={"values": {}})
        assert [s["source"] for s in preview["steps"]] == ["department_manager:1", "department_manager:2", "fallback_admins"]
        assert approvers(preview) == [[eve.member_id], [carol.member_id], [alice.member_id]]
        inst = await submit(bob, t["id"], {"subject": "x", "amount": "1"})
        assert approvers(inst) == approvers(preview)

    async def test_a_manager_submitting_goes_to_the_level_above(self, cast):
        alice, carol, eve = cast["alice"], cast["carol"], cast["eve"]
        await managers(alice, alice.refs["rd"], eve)
        await managers(alice, alice.refs["root"], carol)
        t = await make_template(alice, [{"kind": "department_manager", "level": 1}])
        inst = await submit(eve, t["id"], {"subject": "x", "amount": "1"})
        assert approvers(inst) == [[carol.member_id]]

    async def test_nth_direct_manager(self, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"manager_id": eve.member_id})
        await alice.patch(alice.org(f"/members/{eve.member_id}"), json={"manager_id": carol.member_id})
        t = await make_template(alice, [{"kind": "manager", "level": 1}, {"kind": "manager", "level": 2}, {"kind": "manager", "level": 3}])
        inst = await submit(bob, t["id"], {"subject": "x", "amount": "1"})
        assert approvers(inst) == [[eve.member_id], [carol.member_id], [alice.member_id]]
        assert inst["steps"][2]["source"] == "fallback_admins"


class TestConditionsAndModes:
    async def test_amount_over_5000_adds_the_finance_director(self, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        role = await alice.post(alice.org("/approval/roles"), json={"name": "财务总监", "member_ids": [carol.member_id]}, expect=201)
        t = await make_template(alice, [
            {"kind": "members", "member_ids": [eve.member_id]},
            {"kind": "role", "role_id": role["id"], "condition": {"field": "amount", "op": "gt", "value": 5000}},
        ])
        small = await submit(bob, t["id"], {"subject": "x", "amount": "5000"})
        big = await submit(bob, t["id"], {"subject": "x", "amount": "5000.01"})
        assert approvers(small) == [[eve.member_id]]
        assert approvers(big) == [[eve.member_id], [carol.member_id]]

    async def test_leave_over_3_days_adds_the_department_head(self, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        await managers(alice, alice.refs["rd"], eve)
        await managers(alice, alice.refs["root"], carol)
        leave = {t["kind"]: t for t in (await bob.get(bob.org("/approval/templates")))["items"]}["leave"]
        base = {"leave_type": "事假", "reason": "家里有事"}
        three = await submit(bob, leave["id"], {**base, "period": {"start": "2026-12-01", "end": "2026-12-03"}})
        more = await submit(bob, leave["id"], {**base, "period": {"start": "2026-12-01", "start_half": "am", "end": "2026-12-04", "end_half": "am"}})
        assert approvers(three) == [[eve.member_id]]
        assert more["values"]["period"]["days"] == 3.5
        assert approvers(more) == [[eve.member_id], [carol.member_id]]

    async def test_all_of_needs_everyone_any_of_needs_one(self, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        t = await make_template(alice, [
            {"kind": "members", "member_ids": [carol.member_id, eve.member_id], "mode": "all"},
            {"kind": "members", "member_ids": [carol.member_id, alice.member_id], "mode": "any"},
        ])
        inst = await submit(bob, t["id"], {"subject": "x", "amount": "1"})
        # carol is in both consecutive steps: kept in the first only.
        assert approvers(inst) == [[carol.member_id, eve.member_id], [alice.member_id]]
        r = await act(carol, inst["id"], "approve")
        assert r["current_step"] == 0 and r["steps"][0]["states"] == {str(carol.member_id): "approved", str(eve.member_id): "pending"}
        r = await act(eve, inst["id"], "approve")
        assert r["current_step"] == 1
        r = await act(alice, inst["id"], "approve")
        assert r["status"] == "approved"

    async def test_any_of_first_yes_closes_the_step_for_the_others(self, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        t = await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id, eve.member_id], "mode": "any"}])
        inst = await submit(bob, t["id"], {"subject": "x", "amount": "1"})
        await act(carol, inst["id"], "approve")
        assert await box(eve, "pending") == []
        r = await act(eve, inst["id"], "approve", expect=409)
        assert r["code"] == "approval_not_running"

    async def test_submitter_choice(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        t = await make_template(alice, [{"kind": "submitter_choice"}])
        r = await submit(bob, t["id"], {"subject": "x", "amount": "1"}, expect=422)
        assert r["code"] == "approval_choose_approvers" and r["detail"]["steps"] == [0]
        inst = await submit(bob, t["id"], {"subject": "x", "amount": "1"}, chosen={"0": [carol.member_id]})
        assert approvers(inst) == [[carol.member_id]]

    async def test_nobody_to_ask_is_approved_at_once(self, cast):
        alice = cast["alice"]
        t = await make_template(alice, [{"kind": "members", "member_ids": [alice.member_id]}])
        inst = await submit(alice, t["id"], {"subject": "x", "amount": "1"})
        assert inst["status"] == "approved" and inst["steps"] == []
        assert [e["action"] for e in inst["timeline"]] == ["submit", "auto_approved", "finished"]


class TestCc:
    async def test_on_submit_and_on_finish(self, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        t = await make_template(alice, [{"kind": "members", "member_ids": [alice.member_id]}],
                                cc=[{"member_ids": [carol.member_id], "on": "submit"}, {"member_ids": [eve.member_id], "on": "finish"}])
        inst = await submit(bob, t["id"], {"subject": "x", "amount": "1"})
        assert [p["id"] for p in inst["cc"]] == [carol.member_id]
        assert await box(carol, "cc") == [inst["id"]] and await box(eve, "cc") == []
        await eve.get(eve.org(f"/approval/instances/{inst['id']}"), expect=404)
        await act(alice, inst["id"], "approve")
        assert await box(eve, "cc") == [inst["id"]]
        seen = await eve.get(eve.org(f"/approval/instances/{inst['id']}"))
        assert seen["can"] == ["comment"]
