"""Sending, confirming, re-DING, lists, and the live events with their exact audiences."""

from datetime import timedelta

from tack.core.clock import utc_now
from tests.ding.conftest import account_of, ding


class TestSendAndConfirm:
    async def test_send_alerts_only_the_recipients(self, cast, captured_events):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        a, b, c, e = [await account_of(x) for x in (alice, bob, carol, eve)]
        captured_events.clear()
        d = await ding(alice, bob, carol, attachment="file:42")
        assert (d["status"], d["channel"], d["recipient_count"], d["confirmed_count"]) == ("sent", "in_app", 2, 0)
        assert (d["remind_every_minutes"], d["remind_times"], d["escalate_after_minutes"]) == (5, 3, 0)  # org defaults
        [event] = captured_events.of("ding")
        assert (event.op, set(event.to_accounts)) == ("add", {b, c})
        assert a not in event.to_accounts and e not in event.to_accounts
        alert = event.data["ding"]
        assert (alert["ding_id"], alert["text"], alert["attachment"], alert["reason"]) == (d["id"], "服务器挂了，速回", "file:42", "send")
        assert alert["sender_name"] == "Alice 艾丽斯"

    async def test_confirm_tells_the_sender_live_and_clears_the_alert(self, cast, captured_events):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        a, b = await account_of(alice), await account_of(bob)
        d = await ding(alice, bob, carol)
        assert [p["ding_id"] for p in (await bob.get(bob.org("/dings/pending")))["items"]] == [d["id"]]
        captured_events.clear()
        r = await bob.post(bob.org(f"/dings/{d['id']}/confirm"))
        assert r["member_id"] == bob.member_id and r["confirmed_at"]
        receipt, removal = captured_events.of("ding_receipt", "add"), captured_events.of("ding", "remove")
        assert [set(x.to_accounts) for x in receipt] == [{a}] and [set(x.to_accounts) for x in removal] == [{b}]
        assert receipt[0].data["receipt"] | {"confirmed_at": None} == {
            "ding_id": d["id"], "member_id": bob.member_id, "name": "bob", "confirmed_at": None,
            "confirmed_count": 1, "recipient_count": 2,
        }
        # confirming again changes nothing and publishes nothing
        captured_events.clear()
        again = await bob.post(bob.org(f"/dings/{d['id']}/confirm"))
        assert again["confirmed_at"] == r["confirmed_at"] and captured_events.events == []
        assert (await bob.get(bob.org("/dings/pending")))["items"] == []
        # the sender sees who confirmed and who did not; a recipient sees only their own state
        detail = await alice.get(alice.org(f"/dings/{d['id']}"))
        assert (detail["recipient_count"], detail["confirmed_count"], detail["is_sender"]) == (2, 1, True)
        confirmed = await alice.get(alice.org(f"/dings/{d['id']}/recipients?state=confirmed"))
        unconfirmed = await alice.get(alice.org(f"/dings/{d['id']}/recipients?state=unconfirmed"))
        assert [p["member_id"] for p in confirmed["items"]] == [bob.member_id]
        assert [p["member_id"] for p in unconfirmed["items"]] == [carol.member_id]
        mine = await bob.get(bob.org(f"/dings/{d['id']}"))
        assert mine["my_confirmed_at"] == r["confirmed_at"] and mine["recipient_count"] is None and mine["confirmed_count"] is None
        await bob.get(bob.org(f"/dings/{d['id']}/recipients"), expect=403)
        assert bob.last.json()["code"] == "ding_sender_only"
        await alice.post(alice.org(f"/dings/{d['id']}/confirm"), expect=400)

    async def test_lists_sent_and_received(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        d1 = await ding(alice, bob, text="one")
        d2 = await ding(alice, bob, carol, text="two")
        d3 = await ding(carol, bob, text="three")
        sent = await alice.get(alice.org("/dings/sent?limit=1"))
        assert [x["id"] for x in sent["items"]] == [d2["id"]] and sent["next_before_id"] == d2["id"]
        more = await alice.get(alice.org(f"/dings/sent?before_id={sent['next_before_id']}"))
        assert [x["id"] for x in more["items"]] == [d1["id"]] and more["next_before_id"] is None
        await bob.post(bob.org(f"/dings/{d1['id']}/confirm"))
        received = await bob.get(bob.org("/dings/received"))
        assert [(x["id"], x["my_confirmed_at"] is not None) for x in received["items"]] == [
            (d3["id"], False), (d2["id"], False), (d1["id"], True),
        ]
        pending = await bob.get(bob.org("/dings/received?state=pending"))
        assert [x["id"] for x in pending["items"]] == [d3["id"], d2["id"]]
        assert [x["id"] for x in (await bob.get(bob.org("/dings/received?state=confirmed")))["items"]] == [d1["id"]]
        assert (await bob.get(bob.org("/dings/sent")))["items"] == []
        # eve, who is in none of them, sees none of them
        eve = cast["eve"]
        assert (await eve.get(eve.org("/dings/received")))["items"] == []
        await eve.get(eve.org(f"/dings/{d1['id']}"), expect=404)
        assert eve.last.json()["code"] == "ding_not_found"

    async def test_reding_reaches_only_the_unconfirmed(self, cast, captured_events, app):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        c = await account_of(carol)
        d = await ding(alice, bob, carol)
        await bob.post(bob.org(f"/dings/{d['id']}/confirm"))
        captured_events.clear()
        r = await alice.post(alice.org(f"/dings/{d['id']}/reding"))
        assert (r["reding"], r["member_ids"]) == (1, [carol.member_id])
        [event] = captured_events.of("ding", "add")
        assert set(event.to_accounts) == {c} and event.data["ding"]["reason"] == "reding" and event.data["ding"]["round"] == 1
        await bob.post(bob.org(f"/dings/{d['id']}/reding"), expect=403)
        await carol.post(carol.org(f"/dings/{d['id']}/confirm"))
        captured_events.clear()
        r = await alice.post(alice.org(f"/dings/{d['id']}/reding"))
        assert r["member_ids"] == [] and captured_events.events == []


class TestBadInput:
    async def test_codes(self, cast):
        alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
        await ding(alice, bob, text="   ", expect=422)
        assert alice.last.json()["code"] == "ding_empty"
        await ding(alice, bob, send_at=(utc_now() - timedelta(minutes=1)).isoformat(), expect=400)
        assert alice.last.json()["code"] == "schedule_in_past"
        await ding(alice, alice, expect=400)
        assert alice.last.json()["code"] == "no_recipients"
        await alice.post(alice.org("/dings"), json={"member_ids": list(range(1, 5003)), "text": "x"}, expect=400)
        assert alice.last.json()["code"] == "too_many_recipients"
        await alice.post(alice.org("/dings"), json={"member_ids": [999999], "text": "x"}, expect=404)
        assert alice.last.json()["code"] == "member_not_found"
        await alice.post(alice.org("/dings"), json={"member_ids": [bob.member_id], "text": "x", "channel": "fax"}, expect=422)
        await ding(alice, bob, remind_every_minutes=0, remind_times=50, expect=201)  # 0 turns reminders off
        await ding(alice, bob, remind_times=50, expect=400)
        assert alice.last.json()["code"] == "ding_schedule_limit"
        # nothing was half-written by the failures
        assert len((await alice.get(alice.org("/dings/sent")))["items"]) == 1

    async def test_tenancy(self, cast):
        alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
        d = await ding(alice, bob)
        # dave cannot DING acme members from his org: they are unknown there, like any other id
        await ding(dave, bob, expect=404)
        assert dave.last.json()["code"] == "member_not_found"
        # nor reach acme's DINGs through acme (not a member) or through his own org
        await dave.get(f"/api/v1/orgs/{alice.org_id}/dings/{d['id']}", expect=404)
        await dave.post(f"/api/v1/orgs/{alice.org_id}/dings", json={"member_ids": [bob.member_id], "text": "x"}, expect=404)
        await dave.get(dave.org(f"/dings/{d['id']}"), expect=404)
        await dave.post(dave.org(f"/dings/{d['id']}/confirm"), expect=404)
        await dave.post(dave.org(f"/dings/{d['id']}/reding"), expect=404)
        assert (await dave.get(dave.org("/dings/received")))["items"] == []
        assert (await dave.get(dave.org("/dings/sent")))["items"] == []
        # and alice cannot DING dave
        await ding(alice, dave, expect=404)


class TestPermissions:
    async def test_settings_channels_and_daily_limit(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        settings = await bob.get(bob.org("/ding/settings"))
        assert (settings["who_may_send"], settings["sms_allowed_for"], settings["daily_limit"]) == ("everyone", "everyone", 20)
        await bob.put(bob.org("/ding/settings"), json={"daily_limit": 100}, expect=403)
        await alice.put(alice.org("/ding/settings"), json={"daily_limit": 2, "call_allowed_for": "admins"})
        await ding(bob, carol, channel="sms")
        await ding(bob, carol, escalate_after_minutes=5, channel="in_app", expect=403)  # escalation would call
        assert bob.last.json()["code"] == "ding_channel_forbidden"
        await ding(bob, carol, channel="call", expect=403)
        await ding(bob, carol, channel="sms")
        r = await bob.post(bob.org("/dings"), json={"member_ids": [carol.member_id], "text": "x", "channel": "sms"}, expect=429)
        assert r["code"] == "ding_daily_limit" and r["detail"] == {"limit": 2, "used": 2}
        await ding(bob, carol)  # in-app is not limited
        await ding(alice, carol, channel="call")  # alice has her own count, and is an admin
        await alice.put(alice.org("/ding/settings"), json={"who_may_send": "admins"})
        await ding(bob, carol, expect=403)
        assert bob.last.json()["code"] == "ding_forbidden"
        await ding(alice, carol)


class TestFromChat:
    async def test_ding_the_members_who_have_not_read(self, cast, captured_events):
        from tests.chat.conftest import group, send

        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        g = await group(alice, bob, carol, eve)
        m = await send(alice, g["id"], "周五前交报告")
        await bob.post(bob.org(f"/conversations/{g['id']}/read"), json={"seq": m["seq"]})
        source = {"conversation_id": g["id"], "message_id": m["id"]}
        d = await alice.post(alice.org("/dings"), json={"source": source, "text": "请看群消息"}, expect=201)
        assert d["recipient_count"] == 2
        people = await alice.get(alice.org(f"/dings/{d['id']}/recipients"))
        assert sorted(p["member_id"] for p in people["items"]) == sorted([carol.member_id, eve.member_id])
        # only those who may see receipts can use them
        await bob.post(bob.org("/dings"), json={"source": source, "text": "x"}, expect=403)
        assert bob.last.json()["code"] == "receipts_forbidden"
        await cast["dave"].post(cast["dave"].org("/dings"), json={"source": source, "text": "x"}, expect=404)
