"""What the bus receives after commit: event types and exact audiences; nothing on failure."""

from tests.chat.conftest import account_of, direct, group, send


class TestEvents:
    async def test_send_publishes_one_message_event_to_members(self, cast, captured_events):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        accounts = {n: await account_of(cast[n]) for n in ("alice", "bob", "carol")}
        d = await direct(alice, bob)
        captured_events.clear()
        m = await send(alice, d["id"], "hi", client_msg_id="k1")
        [event] = captured_events.events
        assert (event.type, event.op) == ("message", "add")
        assert set(event.to_accounts) == {accounts["alice"], accounts["bob"]}
        assert event.data["message"]["id"] == m["id"] and event.data["message"]["client_msg_id"] == "k1"
        assert event.org_id == alice.org_id
        # a retry publishes nothing
        captured_events.clear()
        await send(alice, d["id"], "hi", client_msg_id="k1", expect=200)
        assert captured_events.events == []
        assert accounts["carol"] not in event.to_accounts

    async def test_nothing_published_when_the_action_fails(self, cast, captured_events):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        g = await group(alice, bob)
        captured_events.clear()
        await send(alice, g["id"], "", expect=400)
        await send(carol, g["id"], "hi", expect=404)
        await send(alice, g["id"], "@x", mention_member_ids=[carol.member_id], expect=400)
        await alice.post(alice.org(f"/conversations/{g['id']}/members"), json={"member_ids": [999999]}, expect=404)
        await alice.patch(alice.org(f"/conversations/{g['id']}"), json={"mute_all": True})
        captured_events.clear()
        await send(bob, g["id"], "hi", expect=403)
        assert captured_events.events == []
        assert (await alice.get(alice.org(f"/conversations/{g['id']}")))["member_count"] == 2

    async def test_read_pointer_reaches_the_sender(self, cast, captured_events):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        a, b, c = [await account_of(x) for x in (alice, bob, carol)]
        g = await group(alice, bob, carol)
        m = await send(alice, g["id"], "看一下")
        captured_events.clear()
        await bob.post(bob.org(f"/conversations/{g['id']}/read"), json={"seq": m["seq"]})
        [event] = captured_events.events
        assert (event.type, event.op) == ("read", "update")
        assert set(event.to_accounts) == {a, b}  # the sender and the reader's other devices, not carol
        assert event.data["pointer"] == {"conversation_id": g["id"], "member_id": bob.member_id, "last_read_seq": m["seq"]}
        captured_events.clear()
        await bob.post(bob.org(f"/conversations/{g['id']}/read"), json={"seq": m["seq"]})
        assert captured_events.events == []
        assert c not in event.to_accounts

    async def test_membership_events(self, cast, captured_events):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        a, b, c = [await account_of(x) for x in (alice, bob, carol)]
        captured_events.clear()
        g = await group(alice, bob)
        assert [(e.type, e.op, set(e.to_accounts)) for e in captured_events.events] == [
            ("conversation", "add", {a, b}),
            ("message", "add", {a, b}),
        ]
        captured_events.clear()
        await alice.post(alice.org(f"/conversations/{g['id']}/members"), json={"member_ids": [carol.member_id]})
        got = [(e.type, e.op, set(e.to_accounts)) for e in captured_events.events]
        assert got == [
            ("conversation", "add", {c}),
            ("conversation", "update", {a, b}),
            ("conversation_member", "add", {a, b, c}),
            ("message", "add", {a, b, c}),
        ]
        captured_events.clear()
        await alice.delete(alice.org(f"/conversations/{g['id']}/members/{carol.member_id}"), expect=204)
        got = [(e.type, e.op, set(e.to_accounts)) for e in captured_events.events]
        assert got == [
            ("conversation", "remove", {c}),
            ("conversation_member", "remove", {a, b}),
            ("conversation", "update", {a, b}),
            ("message", "add", {a, b}),
        ]
        captured_events.clear()
        await bob.put(bob.org(f"/conversations/{g['id']}/settings"), json={"muted": True})
        [event] = captured_events.events
        assert (event.type, event.to_accounts) == ("conversation_settings", (b,))

    async def test_recall_and_pin_events(self, cast, captured_events):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        m = await send(bob, d["id"], "x")
        captured_events.clear()
        await alice.put(alice.org(f"/conversations/{d['id']}/messages/{m['id']}/pin"))
        await bob.post(bob.org(f"/conversations/{d['id']}/messages/{m['id']}/recall"))
        assert [(e.type, e.op, e.data["change"]) for e in captured_events.events] == [
            ("message", "update", "pinned"),
            ("message", "update", "recalled"),
        ]
        assert captured_events.events[1].data["message"]["content"] == {}
