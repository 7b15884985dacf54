"""Reminders, escalation, scheduled sends and chat cards, driven by the job runner on a fake clock."""

from datetime import timedelta

from tests.ding.conftest import account_of, deliveries, ding, jobs, run_all


class TestReminders:
    async def test_rounds_reach_the_unconfirmed_once_each(self, app, cast, captured_events, runner, clock):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        b, c = await account_of(bob), await account_of(carol)
        d = await ding(alice, bob, carol, remind_every_minutes=5, remind_times=2)
        await run_all(runner)  # cards now; round 1 is 5 minutes away
        captured_events.clear()
        clock.advance(5 * 60 - 10)
        assert await run_all(runner) == 0
        clock.advance(20)
        await run_all(runner)
        [event] = captured_events.of("ding", "add")
        assert set(event.to_accounts) == {b, c} and (event.data["ding"]["reason"], event.data["ding"]["round"]) == ("reminder", 1)
        await bob.post(bob.org(f"/dings/{d['id']}/confirm"))
        captured_events.clear()
        clock.advance(5 * 60)
        await run_all(runner)
        [event] = captured_events.of("ding", "add")
        assert set(event.to_accounts) == {c} and event.data["ding"]["round"] == 2
        clock.advance(60 * 60)
        captured_events.clear()
        assert await run_all(runner) == 0 and captured_events.events == []  # only 2 rounds
        rows = [(x.member_id, x.kind, x.round) for x in await deliveries(app, d["id"])]
        assert sorted(rows) == sorted([(bob.member_id, "reminder", 1), (carol.member_id, "reminder", 1), (carol.member_id, "reminder", 2)])
        people = await alice.get(alice.org(f"/dings/{d['id']}/recipients"))
        assert {p["member_id"]: p["reminders"] for p in people["items"]} == {bob.member_id: 1, carol.member_id: 2}
        # the pending list restores carol's alert with the latest round
        [pending] = (await carol.get(carol.org("/dings/pending")))["items"]
        assert (pending["ding_id"], pending["reason"], pending["round"]) == (d["id"], "reminder", 2)

    async def test_no_rounds_once_everyone_confirmed(self, app, cast, captured_events, runner, clock):
        alice, bob = cast["alice"], cast["bob"]
        d = await ding(alice, bob, remind_every_minutes=1, remind_times=5)
        await bob.post(bob.org(f"/dings/{d['id']}/confirm"))
        captured_events.clear()
        for _ in range(6):
            clock.advance(60)
            await run_all(runner)
        assert captured_events.of("ding", "add") == []
        assert [j.name for j in await jobs(app, "ding.remind")] == ["ding.remind"]  # round 2 never planned


class TestEscalation:
    async def test_in_app_then_sms_then_call(self, app, cast, runner, clock):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        d = await ding(alice, bob, carol, remind_times=0, escalate_after_minutes=10)
        await run_all(runner)
        clock.advance(10 * 60 + 1)
        await bob.post(bob.org(f"/dings/{d['id']}/confirm"))
        await run_all(runner)
        clock.advance(10 * 60)
        await run_all(runner)
        rows = [(x.member_id, x.kind, x.round, x.channel, x.provider, x.status) for x in await deliveries(app, d["id"])]
        assert rows == [
            (carol.member_id, "escalation", 1, "sms", "log", "sent"),
            (carol.member_id, "escalation", 2, "call", "log", "sent"),
        ]
        people = await alice.get(alice.org(f"/dings/{d['id']}/recipients"))
        assert {p["member_id"]: p["escalated_channel"] for p in people["items"]} == {bob.member_id: None, carol.member_id: "call"}
        clock.advance(3600)
        assert await run_all(runner) == 0

    async def test_sms_channel_sends_through_the_provider_and_reminders_repeat_it(self, app, cast, runner, clock):
        alice, bob = cast["alice"], cast["bob"]
        d = await ding(alice, bob, channel="sms", remind_every_minutes=5, remind_times=1)
        await run_all(runner)
        clock.advance(5 * 60 + 1)
        await run_all(runner)
        rows = [(x.kind, x.round, x.channel) for x in await deliveries(app, d["id"]) if x.channel != "in_app"]
        assert rows == [("send", 0, "sms"), ("reminder", 1, "sms")]


class TestScheduled:
    async def test_sent_at_the_time_and_invisible_before(self, app, cast, captured_events, runner, clock):
        alice, bob = cast["alice"], cast["bob"]
        b = await account_of(bob)
        at = clock.now + timedelta(hours=1)
        d = await ding(alice, bob, send_at=at.isoformat(), remind_every_minutes=5, remind_times=1)
        assert (d["status"], d["sent_at"]) == ("scheduled", None)
        assert captured_events.of("ding") == []
        await bob.get(bob.org(f"/dings/{d['id']}"), expect=404)
        assert (await bob.get(bob.org("/dings/pending")))["items"] == []
        clock.advance(3600 - 5)
        assert await run_all(runner) == 0
        clock.advance(10)
        await run_all(runner)
        [event] = captured_events.of("ding", "add")
        assert set(event.to_accounts) == {b}
        got = await bob.get(bob.org(f"/dings/{d['id']}"))
        assert got["status"] == "sent" and got["sent_at"] is not None
        # reminders count from the planned time
        [remind] = await jobs(app, "ding.remind")
        assert remind.run_at == at + timedelta(minutes=5)

    async def test_cancelled_before_it_goes_out(self, app, cast, captured_events, runner, clock):
        alice, bob = cast["alice"], cast["bob"]
        d = await ding(alice, bob, send_at=(clock.now + timedelta(minutes=30)).isoformat())
        await bob.post(bob.org(f"/dings/{d['id']}/cancel"), expect=404)
        assert (await alice.post(alice.org(f"/dings/{d['id']}/cancel")))["status"] == "cancelled"
        await alice.post(alice.org(f"/dings/{d['id']}/cancel"), expect=409)
        clock.advance(3600)
        await run_all(runner)
        assert captured_events.of("ding") == []
        await bob.get(bob.org(f"/dings/{d['id']}"), expect=404)


class TestCards:
    async def test_a_card_in_each_one_to_one_chat(self, app, cast, runner):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        d = await ding(alice, bob, carol)
        await run_all(runner)
        for person in (bob, carol):
            [conversation] = [c for c in (await person.get(person.org("/conversations")))["items"] if c["kind"] == "direct"]
            assert conversation["kind"] == "direct" and sorted(conversation["direct_member_ids"]) == sorted([alice.member_id, person.member_id])
            last = conversation["last_message"]
            assert (last["kind"], last["sender_member_id"], last["content"]["ding_id"], last["content"]["text"]) == (
                "card", alice.member_id, d["id"], "服务器挂了，速回",
            )
        # a second run of the same chunk posts nothing twice
        from tack.ding import actions

        async with app.state.uow_factory() as uow:
            assert await actions.do_post_cards(uow, alice.org_id, d["id"], [bob.member_id, carol.member_id]) == 0
        [direct_chat] = [c for c in (await bob.get(bob.org("/conversations")))["items"] if c["kind"] == "direct"]
        messages = await bob.get(bob.org(f"/conversations/{direct_chat['id']}/messages"))
        assert [m["kind"] for m in messages["items"]] == ["card"]
