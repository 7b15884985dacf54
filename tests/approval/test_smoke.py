"""A first pass: built-ins exist, a request goes through two steps."""

from tests.approval.conftest import act, box, make_template, submit, templates


async def test_builtins_created_with_the_org(cast):
    kinds = await templates(cast["bob"])
    assert set(kinds) == {"leave", "overtime", "card_correction", "reimbursement", "general"}


async def test_two_steps(cast):
    alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
    t = await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id]}, {"kind": "members", "member_ids": [eve.member_id]}])
    inst = await submit(bob, t["id"], {"subject": "买电脑", "amount": "8000"})
    assert inst["status"] == "running" and [s["approvers"][0]["id"] for s in inst["steps"]] == [carol.member_id, eve.member_id]
    assert await box(carol, "pending") == [inst["id"]]
    assert await box(eve, "pending") == []
    r = await act(carol, inst["id"], "approve", comment="同意")
    assert r["current_step"] == 1
    assert await box(eve, "pending") == [inst["id"]]
    r = await act(eve, inst["id"], "approve")
    assert r["status"] == "approved"
    assert await box(bob, "submitted") == [inst["id"]]
    assert await box(carol, "done") == [inst["id"]]
    assert [e["action"] for e in r["timeline"]] == ["submit", "approve", "approve", "finished"]
