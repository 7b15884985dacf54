"""A second organization sees nothing of the first, changes nothing of it, and cannot be
pulled into its requests (approvers, CC, roles, form fields are all checked against the org)."""

from tests.approval.conftest import act, box, make_template, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def test_globex_sees_and_changes_nothing_of_acme(cast):
    alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
    t = await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id]}],
                            cc=[{"member_ids": [cast["eve"].member_id], "on": "submit"}])
    up = await bob.post(bob.org("/approval/files"), files={"file": ("a.png", PNG, "image/png")}, data={"kind": "image"}, expect=201)
    inst = await submit(bob, t["id"], {"subject": "机密", "amount": "1"})
    await act(bob, inst["id"], "comments", text="附件", file_ids=[up["id"]])
    role = await alice.post(alice.org("/approval/roles"), json={"name": "财务", "member_ids": [carol.member_id]}, expect=201)
    await alice.put(alice.org(f"/approval/leave-balances/{bob.member_id}"), json={"leave_type": "annual", "days": 5})

    # Through globex's own org path: nothing of acme's is found.
    for path in (f"/approval/instances/{inst['id']}", f"/approval/files/{up['id']}", f"/approval/templates/{t['id']}"):
        r = await dave.get(dave.org(path), expect=404)
        assert r["code"].startswith("approval_"), r
    for name in ("pending", "done", "submitted", "cc"):
        assert await box(dave, name) == []
    assert (await dave.get(dave.org("/approval/admin/instances")))["items"] == []
    export = await dave.get(dave.org("/approval/admin/export"))
    assert export.text.lstrip("\ufeff").count("\n") == 1  # the header only
    assert role["id"] not in [r["id"] for r in (await dave.get(dave.org("/approval/roles")))["items"]]
    await dave.put(dave.org(f"/approval/roles/{role['id']}"), json={"name": "x", "member_ids": []}, expect=404)
    await dave.get(dave.org("/approval/leave-balances"), params={"member_id": bob.member_id}, expect=404)
    await dave.put(dave.org(f"/approval/leave-balances/{bob.member_id}"), json={"leave_type": "annual", "days": 99}, expect=404)
    for verb, body in (("approve", {}), ("reject", {}), ("withdraw", {}), ("urge", {}), ("revoke", {}),
                       ("comments", {"text": "hi"}), ("transfer", {"member_id": dave.member_id})):
        r = await act(dave, inst["id"], verb, expect=404, **body)
        assert r["code"] == "approval_not_found", (verb, r)
    # Through acme's path with globex's token: not a member there.
    await dave.get(alice.org(f"/approval/instances/{inst['id']}"), expect=404)
    await dave.get(alice.org("/approval/boxes/pending"), expect=404)

    # Acme is as it was.
    got = await carol.get(carol.org(f"/approval/instances/{inst['id']}"))
    assert got["status"] == "running" and [e["action"] for e in got["timeline"]] == ["submit", "cc", "comment"]
    assert (await bob.get(bob.org("/approval/leave-balances")))["items"][0]["days"] == 5
    assert (await alice.get(alice.org("/approval/roles")))["items"][0]["name"] == "财务"


async def test_globex_people_cannot_be_pulled_into_acme_requests(cast):
    alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
    t = await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id]}, {"kind": "submitter_choice"}])
    inst = await submit(bob, t["id"], {"subject": "x", "amount": "1"}, chosen={"1": [alice.member_id]})
    stranger = dave.member_id
    r = await act(carol, inst["id"], "transfer", member_id=stranger, expect=400)
    assert r["code"] == "approval_unknown_members"
    r = await act(carol, inst["id"], "add-approver", member_ids=[stranger], position="before", expect=400)
    assert r["code"] == "approval_unknown_members"
    # Choosing someone outside the org (or only yourself) must not take the step out of the flow.
    r = await submit(bob, t["id"], {"subject": "x", "amount": "1"}, chosen={"1": [stranger]}, expect=400)
    assert r["code"] == "approval_unknown_members" and r["detail"]["member_ids"] == [stranger]
    r = await submit(bob, t["id"], {"subject": "x", "amount": "1"}, chosen={"1": [bob.member_id]}, expect=422)
    assert r["code"] == "approval_choose_approvers" and r["detail"]["steps"] == [1]
    assert await box(bob, "submitted") == [inst["id"]]
    for body in ({"steps": [{"kind": "members", "member_ids": [stranger]}]},
                 {"steps": [{"kind": "members", "member_ids": [carol.member_id]}], "cc": [{"member_ids": [stranger]}]}):
        r = await alice.post(alice.org("/approval/templates"), json={**_general(), "flow": body}, expect=422)
        assert r["code"] == "approval_invalid_template"
    r = await alice.post(alice.org("/approval/roles"), json={"name": "外人", "member_ids": [stranger]}, expect=422)
    assert r["code"] == "approval_invalid_role" and r["detail"]["member_ids"] == [stranger]
    got = await carol.get(carol.org(f"/approval/instances/{inst['id']}"))
    assert [a["id"] for s in got["steps"] for a in s["approvers"]] == [carol.member_id, alice.member_id]
    assert await box(dave, "pending") == []


def _general() -> dict:
    return {"name": "采购", "form": [{"key": "subject", "label": "事项", "kind": "text", "required": True}]}
