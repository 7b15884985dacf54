"""Approvers hear of their tasks: a chat card with 同意 / 拒绝 (through a durable job, posted
once), realtime events to the right accounts, overdue reminders on a schedule."""

from tests.approval.conftest import account_of, act, jobs, make_template, run_all, submit


async def cards(api, other):
    """Card messages in api's 1:1 chat with `other`."""
    convs = (await api.get(api.org("/conversations")))["items"]
    out = []
    for c in convs:
        if c["kind"] != "direct":
            continue
        msgs = (await api.get(api.org(f"/conversations/{c['id']}/messages")))["items"]
        out += [m for m in msgs if m["kind"] == "card" and m["sender_member_id"] == other.member_id]
    return out


async def test_card_with_buttons_once(app, cast, runner):
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    t = await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id]}])
    inst = await submit(bob, t["id"], {"subject": "买显示器", "amount": "1999"})
    await run_all(runner)
    [card] = await cards(carol, bob)
    c = card["content"]
    assert c["approval_id"] == inst["id"] and "买显示器" in c["text"] and "¥1999.00" in c["text"]
    assert [b["action"] for b in c["buttons"]] == [f"approval.approve:{inst['id']}", f"approval.reject:{inst['id']}", f"approval.open:{inst['id']}"]
    # the job running again posts nothing twice
    from tack.approval import tasks

    [job] = await jobs(app, "approval.notify")
    async with app.state.uow_factory() as uow:
        await tasks.notify(uow, dict(job.args))
    assert len(await cards(carol, bob)) == 1
    # the button's action is the approve call; the submitter gets the result card
    await act(carol, inst["id"], "approve")
    await run_all(runner)
    [result] = await cards(bob, carol)
    assert result["content"]["text"].startswith("你的审批已通过")
    assert [b["action"] for b in result["content"]["buttons"]] == [f"approval.open:{inst['id']}"]


async def test_decided_before_the_job_ran_posts_no_buttons(app, cast, runner):
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    t = await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id]}])
    inst = await submit(bob, t["id"], {"subject": "x", "amount": "1"})
    await act(bob, inst["id"], "withdraw")
    await run_all(runner)
    assert await cards(carol, bob) == []


async def test_realtime_events(cast, captured_events):
    alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
    t = await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id, eve.member_id], "mode": "any"}])
    captured_events.clear()
    inst = await submit(bob, t["id"], {"subject": "x", "amount": "1"})
    [add] = captured_events.of("approval_task", "add")
    assert set(add.to_accounts) == {await account_of(carol), await account_of(eve)} and add.data["instance"]["id"] == inst["id"]
    captured_events.clear()
    await act(carol, inst["id"], "approve")
    removed = {a for e in captured_events.of("approval_task", "remove") for a in e.to_accounts}
    assert removed == {await account_of(carol), await account_of(eve)}
    [update] = captured_events.of("approval", "update")
    assert update.data["instance"]["status"] == "approved"
    assert set(update.to_accounts) == {await account_of(bob), await account_of(carol), await account_of(eve)}
    assert cast["dave"] and all(e.org_id == bob.org_id for e in captured_events.events)


async def test_overdue_reminders(app, cast, runner, clock):
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    t = await make_template(alice, [{"kind": "members", "member_ids": [carol.member_id]}, {"kind": "members", "member_ids": [alice.member_id]}])
    inst = await submit(bob, t["id"], {"subject": "x", "amount": "1"})
    await run_all(runner)
    clock.advance(24 * 3600)
    await run_all(runner)
    page = await bob.get(bob.org(f"/approval/instances/{inst['id']}"))
    assert [e["action"] for e in page["timeline"]] == ["submit", "remind"]
    assert len(await cards(carol, bob)) == 2
    await act(carol, inst["id"], "approve")  # the step moves on: its next reminder does nothing
    # the runner's clock is already a day ahead of the wall clock: step 2's first round is due
    await run_all(runner)
    page = await bob.get(bob.org(f"/approval/instances/{inst['id']}"))
    assert [e["action"] for e in page["timeline"]] == ["submit", "remind", "approve", "remind"]
    assert page["timeline"][-1]["detail"]["member_ids"] == [alice.member_id]
    reminds = [j for j in await jobs(app, "approval.remind")]
    assert {j.args["round"] for j in reminds} == {1, 2}
