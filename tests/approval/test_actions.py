"""What approvers, submitters, commenters and admins do to a running request."""

import csv
import io

import pytest

from tests.approval.conftest import act, box, make_template, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
async def two_steps(cast):
    alice, carol, eve = cast["alice"], cast["carol"], cast["eve"]
    return await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id]}, {"kind": "members", "member_ids": [eve.member_id]}])


def actions(inst):
    return [e["action"] for e in inst["timeline"]]


async def test_reject_ends_it(cast, two_steps):
    bob, carol, eve = cast["bob"], cast["carol"], cast["eve"]
    inst = await submit(bob, two_steps["id"], {"subject": "x", "amount": "1"})
    r = await act(carol, inst["id"], "reject", comment="预算不足")
    assert r["status"] == "rejected" and r["timeline"][1]["comment"] == "预算不足"
    assert await box(eve, "pending") == [] and await box(carol, "pending") == []
    r = await act(carol, inst["id"], "approve", expect=409)
    assert r["code"] == "approval_not_running"


async def test_not_your_turn(cast, two_steps):
    alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
    inst = await submit(bob, two_steps["id"], {"subject": "x", "amount": "1"})
    r = await act(eve, inst["id"], "approve", expect=404)  # no part in it yet
    assert r["code"] == "approval_not_found"
    r = await act(alice, inst["id"], "approve", expect=409)  # admins see it, but it is not theirs
    assert r["code"] == "approval_not_your_turn"
    r = await act(bob, inst["id"], "approve", expect=409)
    assert r["code"] == "approval_not_your_turn"
    assert actions(await bob.get(bob.org(f"/approval/instances/{inst['id']}"))) == ["submit"]


async def test_transfer(cast, two_steps):
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    inst = await submit(bob, two_steps["id"], {"subject": "x", "amount": "1"})
    r = await act(carol, inst["id"], "transfer", member_id=bob.member_id, expect=400)
    assert r["code"] == "approval_bad_transfer"
    r = await act(carol, inst["id"], "transfer", member_id=cast["dave"].member_id, expect=400)
    assert r["code"] == "approval_unknown_members"
    r = await act(carol, inst["id"], "transfer", member_id=alice.member_id, comment="你来")
    assert r["steps"][0]["approvers"][0]["id"] == alice.member_id
    assert await box(carol, "pending") == [] and await box(alice, "pending") == [inst["id"]]
    assert await box(carol, "done") == [inst["id"]]
    r = await act(alice, inst["id"], "approve")
    assert r["current_step"] == 1


async def test_add_approver_before_and_after(cast, two_steps):
    alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
    inst = await submit(bob, two_steps["id"], {"subject": "x", "amount": "1"})
    r = await act(carol, inst["id"], "add-approver", member_ids=[alice.member_id], position="before")
    assert [s["name"] for s in r["steps"]][:1] == ["加签"] and r["current_step"] == 0
    assert await box(carol, "pending") == [] and await box(alice, "pending") == [inst["id"]]
    r = await act(alice, inst["id"], "approve")
    assert r["current_step"] == 1 and await box(carol, "pending") == [inst["id"]]
    r = await act(carol, inst["id"], "add-approver", member_ids=[alice.member_id], position="after")
    assert r["current_step"] == 2 and [s["approvers"][0]["id"] for s in r["steps"]] == [alice.member_id, carol.member_id, alice.member_id, eve.member_id]
    await act(alice, inst["id"], "approve")
    r = await act(eve, inst["id"], "approve")
    assert r["status"] == "approved"
    assert actions(r) == ["submit", "add_approver", "approve", "add_approver", "approve", "approve", "approve", "finished"]


async def test_return_to_an_earlier_step(cast, two_steps):
    bob, carol, eve = cast["bob"], cast["carol"], cast["eve"]
    inst = await submit(bob, two_steps["id"], {"subject": "x", "amount": "1"})
    r = await act(carol, inst["id"], "return", step=0, expect=400)
    assert r["code"] == "approval_bad_return"
    await act(carol, inst["id"], "approve")
    r = await act(eve, inst["id"], "return", step=0, comment="请补充")
    assert r["current_step"] == 0 and await box(carol, "pending") == [inst["id"]] and await box(eve, "pending") == []
    await act(carol, inst["id"], "approve")
    r = await act(eve, inst["id"], "approve")
    assert r["status"] == "approved"


async def test_withdraw_only_by_the_submitter(cast, two_steps):
    bob, carol = cast["bob"], cast["carol"]
    inst = await submit(bob, two_steps["id"], {"subject": "x", "amount": "1"})
    r = await act(carol, inst["id"], "withdraw", expect=403)
    assert r["code"] == "approval_submitter_only"
    r = await act(bob, inst["id"], "withdraw")
    assert r["status"] == "withdrawn" and await box(carol, "pending") == []
    r = await act(bob, inst["id"], "withdraw", expect=409)
    assert r["code"] == "approval_not_running"


async def test_comment_with_attachments(cast, two_steps):
    bob, carol = cast["bob"], cast["carol"]
    inst = await submit(bob, two_steps["id"], {"subject": "x", "amount": "1"})
    up = await carol.post(carol.org("/approval/files"), files={"file": ("发票.png", PNG, "image/png")}, data={"kind": "image"}, expect=201)
    assert up["is_image"]
    r = await act(bob, inst["id"], "comments", text="看这个", file_ids=[up["id"]], expect=404)  # not bob's upload
    assert r["code"] == "approval_file_not_found"
    r = await act(carol, inst["id"], "comments", text="看这个", file_ids=[up["id"]])
    assert r["timeline"][-1]["action"] == "comment" and r["timeline"][-1]["detail"]["file_ids"] == [up["id"]]
    got = await bob.get(bob.org(f"/approval/files/{up['id']}"))
    assert got.content == PNG
    await cast["eve"].get(bob.org(f"/approval/files/{up['id']}"), expect=404)
    r = await act(carol, inst["id"], "comments", text="  ", expect=400)
    assert r["code"] == "approval_empty_comment"


async def test_urge_at_most_every_ten_minutes(cast, two_steps):
    bob, carol = cast["bob"], cast["carol"]
    inst = await submit(bob, two_steps["id"], {"subject": "x", "amount": "1"})
    r = await act(bob, inst["id"], "urge")
    assert r["timeline"][-1]["action"] == "urge" and r["timeline"][-1]["detail"]["member_ids"] == [carol.member_id]
    r = await act(bob, inst["id"], "urge", expect=409)
    assert r["code"] == "approval_urge_too_soon"
    await act(carol, inst["id"], "urge", expect=403)


async def test_bad_input_is_4xx(cast, two_steps):
    bob, carol = cast["bob"], cast["carol"]
    inst = await submit(bob, two_steps["id"], {"subject": "x", "amount": "1"})
    for verb, body in (("transfer", {}), ("return", {"step": -1}), ("add-approver", {"member_ids": [], "position": "before"})):
        r = await act(carol, inst["id"], verb, expect=422, **body)
        assert r["code"] == "validation_error"
    await carol.post(carol.org("/approval/instances/99999999/approve"), json={}, expect=404)
    await carol.get(carol.org("/approval/boxes/nope"), expect=422)


async def test_admin_search_and_export(cast, two_steps):
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    a = await submit(bob, two_steps["id"], {"subject": "x", "amount": "1"})
    b = await submit(carol, two_steps["id"], {"subject": "y", "amount": "2"})
    await act(carol, a["id"], "reject")
    found = await alice.get(alice.org("/approval/admin/instances"), params={"status": "rejected"})
    assert [i["id"] for i in found["items"]] == [a["id"]]
    found = await alice.get(alice.org("/approval/admin/instances"), params={"submitter_id": carol.member_id})
    assert [i["id"] for i in found["items"]] == [b["id"]]
    found = await alice.get(alice.org("/approval/admin/instances"), params={"q": "carol"})
    assert [i["id"] for i in found["items"]] == [b["id"]]
    r = await alice.get(alice.org("/approval/admin/export"), params={"template_id": two_steps["id"]})
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][0] == "编号" and sorted(int(x[0]) for x in rows[1:]) == sorted([a["id"], b["id"]])
    await bob.get(bob.org("/approval/admin/instances"), expect=403)
    await bob.get(bob.org("/approval/admin/export"), expect=403)


async def test_export_past_the_cap_is_refused_not_cut(cast, two_steps, monkeypatch):
    from tack.approval import queries

    alice, bob = cast["alice"], cast["bob"]
    for n in range(3):
        await submit(bob, two_steps["id"], {"subject": f"x{n}", "amount": "1"})
    monkeypatch.setattr(queries, "EXPORT_CAP", 2)
    r = await alice.get(alice.org("/approval/admin/export"), expect=422)
    assert r["code"] == "approval_export_too_large" and r["detail"]["limit"] == 2
    r = await alice.get(alice.org("/approval/admin/export"), params={"status": "rejected"})
    assert r.text.lstrip("\ufeff").count("\n") == 1  # narrowed: the header only
    monkeypatch.setattr(queries, "EXPORT_CAP", 3)
    r = await alice.get(alice.org("/approval/admin/export"))
    assert r.text.lstrip("\ufeff").count("\n") == 4


async def test_revoke_by_admins_only(cast, two_steps):
    alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
    inst = await submit(bob, two_steps["id"], {"subject": "x", "amount": "1"})
    r = await act(alice, inst["id"], "revoke", expect=409)
    assert r["code"] == "approval_not_revocable"
    await act(carol, inst["id"], "approve")
    await act(eve, inst["id"], "approve")
    await act(bob, inst["id"], "revoke", expect=403)
    r = await act(alice, inst["id"], "revoke", comment="误批")
    assert r["status"] == "revoked"
