"""Template design: checks on save, versions, visibility, who may manage, tenancy."""

from tests.approval.conftest import general_template, make_template, submit, templates


def _codes(r):
    return [e["error"] for e in r["detail"]["errors"]]


class TestFlowChecks:
    async def test_condition_on_a_missing_field(self, cast):
        alice = cast["alice"]
        body = general_template()
        body["flow"] = {"steps": [{"kind": "members", "member_ids": [cast["carol"].member_id],
                                   "condition": {"field": "nope", "op": "gt", "value": 1}}]}
        r = await alice.post(alice.org("/approval/templates"), json=body, expect=422)
        assert r["code"] == "approval_invalid_template" and _codes(r) == ["condition_on_missing_field"]

    async def test_empty_approver_sets(self, cast):
        alice = cast["alice"]
        role = await alice.post(alice.org("/approval/roles"), json={"name": "财务", "member_ids": []}, expect=201)
        body = general_template()
        body["flow"] = {"steps": [{"kind": "members", "member_ids": []}, {"kind": "role", "role_id": role["id"]}]}
        r = await alice.post(alice.org("/approval/templates"), json=body, expect=422)
        assert _codes(r) == ["empty_approvers", "empty_approvers"]

    async def test_unreachable_steps(self, cast):
        alice = cast["alice"]
        body = general_template()
        body["form"].append({"key": "level", "label": "级别", "kind": "select", "options": ["A", "B"]})
        body["form"][1]["max"] = 1000
        carol = cast["carol"].member_id
        body["flow"] = {"steps": [
            {"kind": "members", "member_ids": [carol], "condition": {"field": "level", "op": "eq", "value": "C"}},
            {"kind": "members", "member_ids": [carol], "condition": {"field": "amount", "op": "gt", "value": 5000}},
            {"kind": "members", "member_ids": [carol], "condition": {"field": "amount", "op": "eq", "value": "x"}},
        ]}
        r = await alice.post(alice.org("/approval/templates"), json=body, expect=422)
        assert _codes(r) == ["unreachable_step", "unreachable_step", "condition_type"]

    async def test_members_of_another_org_and_duplicate_keys(self, cast):
        alice = cast["alice"]
        body = general_template()
        body["form"].append({"key": "subject", "label": "重复", "kind": "text"})
        r = await alice.post(alice.org("/approval/templates"), json=body, expect=422)
        assert _codes(r) == ["duplicate_key"]
        body = general_template()
        body["flow"] = {"steps": [{"kind": "members", "member_ids": [cast["dave"].member_id]}]}
        r = await alice.post(alice.org("/approval/templates"), json=body, expect=422)
        assert _codes(r) == ["unknown_members"]

    async def test_wrong_shapes_are_422(self, cast):
        alice = cast["alice"]
        body = general_template()
        body["form"][0]["kind"] = "hologram"
        r = await alice.post(alice.org("/approval/templates"), json=body, expect=422)
        assert r["code"] == "validation_error"

    async def test_builtin_fields_stay(self, cast):
        alice = cast["alice"]
        leave = (await templates(alice))["leave"]
        form = [f for f in leave["form"] if f["key"] != "period"]
        r = await alice.put(alice.org(f"/approval/templates/{leave['id']}"), json={"form": form}, expect=422)
        assert _codes(r) == ["builtin_field_required"]
        optional = [{**f, "required": False} if f["key"] == "leave_type" else f for f in leave["form"]]
        r = await alice.put(alice.org(f"/approval/templates/{leave['id']}"), json={"form": optional}, expect=422)
        assert r["detail"]["errors"] == [{"field": "leave_type", "error": "builtin_field_required"}]
        renamed = [{**f, "label": "假别"} if f["key"] == "leave_type" else f for f in leave["form"]]
        edited = await alice.put(alice.org(f"/approval/templates/{leave['id']}"), json={"form": renamed})
        assert edited["version"] == 2


class TestManage:
    async def test_members_may_not_design(self, cast):
        bob = cast["bob"]
        r = await bob.post(bob.org("/approval/templates"), json=general_template(), expect=403)
        assert r["code"] == "forbidden"
        await bob.get(bob.org("/approval/templates?manage=true"), expect=403)

    async def test_edit_adds_a_version_running_instances_keep_theirs(self, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        t = await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id]}])
        running = await submit(bob, t["id"], {"subject": "旧", "amount": "1"})
        form = t["form"] + [{"key": "note", "label": "备注", "kind": "text", "required": True}]
        edited = await alice.put(alice.org(f"/approval/templates/{t['id']}"), json={
            "form": form, "flow": {"steps": [{"kind": "members", "member_ids": [eve.member_id]}]}})
        assert edited["version"] == 2 and edited["version_id"] != t["version_id"]
        again = await bob.get(bob.org(f"/approval/instances/{running['id']}"))
        assert again["version"] == 1 and [f["key"] for f in again["form"]] == ["subject", "amount"]
        assert again["steps"][0]["approvers"][0]["id"] == carol.member_id
        r = await submit(bob, t["id"], {"subject": "新", "amount": "1"}, expect=422)
        assert r["detail"]["errors"] == [{"field": "note", "error": "required"}]
        new = await submit(bob, t["id"], {"subject": "新", "amount": "1", "note": "n"})
        assert new["steps"][0]["approvers"][0]["id"] == eve.member_id and new["version"] == 2
        await cast["carol"].post(carol.org(f"/approval/instances/{running['id']}/approve"), json={})

    async def test_switched_off(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        t = await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id]}])
        await alice.put(alice.org(f"/approval/templates/{t['id']}"), json={"active": False})
        assert t["id"] not in [x["id"] for x in (await bob.get(bob.org("/approval/templates")))["items"]]
        r = await submit(bob, t["id"], {"subject": "x", "amount": "1"}, expect=404)
        assert r["code"] == "approval_template_not_found"


class TestVisibility:
    async def test_departments_and_members(self, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        sub = await alice.post(alice.org("/departments"), json={"name": "后端", "parent_id": alice.refs["rd"]}, expect=201)
        await alice.patch(alice.org(f"/members/{eve.member_id}"), json={"department_ids": [sub["id"]]})
        t = await make_template(alice, [{"kind": "members", "member_ids": [alice.member_id]}],
                                visibility={"all": False, "department_ids": [alice.refs["rd"]], "member_ids": []})
        usable = lambda api: api.get(api.org("/approval/templates"))  # noqa: E731
        assert t["id"] in [x["id"] for x in (await usable(bob))["items"]]
        assert t["id"] in [x["id"] for x in (await usable(eve))["items"]]  # a sub-department counts
        assert t["id"] not in [x["id"] for x in (await usable(carol))["items"]]
        await submit(carol, t["id"], {"subject": "x", "amount": "1"}, expect=404)
        await alice.put(alice.org(f"/approval/templates/{t['id']}"),
                        json={"visibility": {"all": False, "department_ids": [], "member_ids": [carol.member_id]}})
        await submit(carol, t["id"], {"subject": "x", "amount": "1"})
        await submit(bob, t["id"], {"subject": "x", "amount": "1"}, expect=404)


class TestTenancy:
    async def test_other_org_sees_and_changes_nothing(self, cast):
        alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
        t = await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id]}])
        inst = await submit(bob, t["id"], {"subject": "x", "amount": "1"})
        globex = {x["id"] for x in (await dave.get(dave.org("/approval/templates?manage=true")))["items"]}
        assert t["id"] not in globex and len(globex) == 5
        await dave.get(dave.org(f"/approval/templates/{t['id']}"), expect=404)
        await dave.put(dave.org(f"/approval/templates/{t['id']}"), json={"active": False}, expect=404)
        await submit(dave, t["id"], {"subject": "x", "amount": "1"}, expect=404)
        r = await dave.get(dave.org(f"/approval/instances/{inst['id']}"), expect=404)
        assert r["code"] == "approval_not_found"
        await dave.post(dave.org(f"/approval/instances/{inst['id']}/approve"), json={}, expect=404)
        await dave.get(alice.org(f"/approval/instances/{inst['id']}"), expect=404)
        assert (await dave.get(dave.org("/approval/admin/instances")))["items"] == []
        assert (await carol.get(carol.org(f"/approval/instances/{inst['id']}")))["status"] == "running"
