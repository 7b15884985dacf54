"""1:1 and groups: membership, roles, settings, the conversation list, tenancy."""

import asyncio

from sqlalchemy import insert, select

from tack.directory.models import Account, Member
from tests.chat.conftest import direct, group, send


def conv(api, cid, path=""):
    return api.org(f"/conversations/{cid}{path}")


class TestDirect:
    async def test_one_per_pair(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        first = await alice.post(alice.org("/conversations/direct"), json={"member_id": bob.member_id}, expect=201)
        again = await bob.post(bob.org("/conversations/direct"), json={"member_id": alice.member_id}, expect=200)
        assert first["id"] == again["id"] and first["direct_member_ids"] == sorted([alice.member_id, bob.member_id])

    async def test_not_with_self_nor_strangers(self, cast):
        alice, dave = cast["alice"], cast["dave"]
        r = await alice.post(alice.org("/conversations/direct"), json={"member_id": alice.member_id}, expect=400)
        assert r["code"] == "cannot_chat_with_self"
        r = await alice.post(alice.org("/conversations/direct"), json={"member_id": dave.member_id}, expect=404)
        assert r["code"] == "member_not_found"


    async def test_opened_by_both_at_once(self, cast):
        """Both people start the chat in the same instant, a few times over: one conversation,
        and both requests answer with it (no 409 for the one that lost the race)."""
        people = [cast["alice"], cast["bob"], cast["carol"], cast["eve"]]
        pairs = [(a, b) for i, a in enumerate(people) for b in people[i + 1 :]]
        results = await asyncio.gather(*(
            api.post(api.org("/conversations/direct"), json={"member_id": other.member_id}, expect=None)
            for a, b in pairs for api, other in ((a, b), (b, a))
        ))
        assert all("id" in r for r in results), results
        ids = [r["id"] for r in results]
        assert [ids[i] == ids[i + 1] for i in range(0, len(ids), 2)] == [True] * len(pairs)
        assert len(set(ids)) == len(pairs)

    async def test_views_carry_the_peer_name(self, cast):
        """Each side of a 1:1 sees the other's name; groups have none."""
        alice, bob = cast["alice"], cast["bob"]
        opened = await direct(alice, bob)
        assert (opened["peer_member_id"], opened["peer_name"]) == (bob.member_id, "bob")
        g = await group(alice, bob)
        listed = {c["id"]: c for c in (await bob.get(bob.org("/conversations")))["items"]}
        assert (listed[opened["id"]]["peer_member_id"], listed[opened["id"]]["peer_name"]) == (alice.member_id, "Alice 艾丽斯")
        assert listed[g["id"]]["peer_name"] is None and listed[g["id"]]["peer_member_id"] is None
        one = await bob.get(bob.org(f"/conversations/{opened['id']}"))
        assert one["peer_name"] == "Alice 艾丽斯"
        snapshot = await bob.post("/api/v1/realtime/register", json={"org_id": bob.org_id})
        assert {c["id"]: c["peer_name"] for c in snapshot["snapshot"]["conversations"]}[opened["id"]] == "Alice 艾丽斯"


class TestGroups:
    async def test_create_and_members(self, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        g = await group(alice, bob)
        assert g["my_role"] == "owner" and g["member_count"] == 2 and g["unread_count"] == 0
        await bob.post(conv(bob, g["id"], "/members"), json={"member_ids": [carol.member_id, bob.member_id]})
        listed = await carol.get(conv(carol, g["id"], "/members"))
        assert [m["member_id"] for m in listed["items"]] == sorted([alice.member_id, bob.member_id, carol.member_id])
        assert {m["name"] for m in listed["items"]} == {"Alice 艾丽斯", "bob", "carol"}
        # carol joined at seq 2 (the members_added line is seq 3): one unread, the line about her
        mine = await carol.get(conv(carol, g["id"]))
        assert mine["member_count"] == 3 and mine["unread_count"] == 1
        # only admins remove; the owner cannot be removed; members leave
        assert (await bob.delete(conv(bob, g["id"], f"/members/{carol.member_id}"), expect=403))["code"] == "group_admin_required"
        await alice.delete(conv(alice, g["id"], f"/members/{carol.member_id}"), expect=204)
        await carol.get(conv(carol, g["id"]), expect=404)
        await bob.post(conv(bob, g["id"], "/leave"), expect=204)
        assert (await alice.get(conv(alice, g["id"])))["member_count"] == 1
        r = await alice.post(conv(alice, g["id"], "/leave"), expect=409)
        assert r["code"] == "owner_must_transfer"
        r = await alice.post(conv(alice, g["id"], "/members"), json={"member_ids": [cast["dave"].member_id]}, expect=404)
        assert r["code"] == "member_not_found"
        await alice.post(conv(alice, g["id"], "/members"), json={"member_ids": [eve.member_id]})

    async def test_size_limit(self, app, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        limits = app.state.chat_limits
        saved, limits.group_max_members = limits.group_max_members, 3
        try:
            r = await alice.post(
                alice.org("/conversations"), json={"member_ids": [bob.member_id, carol.member_id, eve.member_id]}, expect=400
            )
            assert r["code"] == "group_too_large"
            g = await group(alice, bob, carol)
            r = await alice.post(conv(alice, g["id"], "/members"), json={"member_ids": [eve.member_id]}, expect=400)
            assert r["code"] == "group_too_large"
        finally:
            limits.group_max_members = saved

    async def test_rename_notice_mute_all(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        r = await bob.patch(conv(bob, g["id"]), json={"name": "x"}, expect=403)
        assert r["code"] == "group_admin_required"
        updated = await alice.patch(conv(alice, g["id"]), json={"name": "新名字", "notice": "周五团建", "mute_all": True})
        assert (updated["name"], updated["notice"], updated["mute_all"]) == ("新名字", "周五团建", True)
        assert (await send(bob, g["id"], "hi", expect=403))["code"] == "muted_all"
        await send(alice, g["id"], "only me")
        kinds = [m["content"].get("action") for m in (await bob.get(conv(bob, g["id"], "/messages")))["items"]]
        assert kinds == ["created", "renamed", "notice_updated", "mute_all_changed", None]
        d = await direct(alice, bob)
        assert (await alice.patch(conv(alice, d["id"]), json={"name": "x"}, expect=400))["code"] == "not_a_group"

    async def test_roles_transfer_and_dissolve(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        g = await group(alice, bob, carol)
        r = await bob.put(conv(bob, g["id"], f"/members/{carol.member_id}/role"), json={"role": "admin"}, expect=403)
        assert r["code"] == "group_owner_required"
        v = await alice.put(conv(alice, g["id"], f"/members/{bob.member_id}/role"), json={"role": "admin"})
        assert v["admin_member_ids"] == [bob.member_id]
        # an admin removes members, not other admins or the owner
        await bob.delete(conv(bob, g["id"], f"/members/{alice.member_id}"), expect=403)
        v = await alice.post(conv(alice, g["id"], "/transfer"), json={"member_id": carol.member_id})
        assert v["owner_member_id"] == carol.member_id and v["my_role"] == "member"
        await alice.post(conv(alice, g["id"], "/dissolve"), expect=403)
        v = await carol.post(conv(carol, g["id"], "/dissolve"))
        assert v["dissolved"]
        assert (await send(bob, g["id"], "还在吗", expect=409))["code"] == "conversation_dissolved"
        # history stays readable; leaving takes it off the list
        assert (await bob.get(conv(bob, g["id"], "/messages")))["items"][-1]["content"]["action"] == "dissolved"
        await carol.post(conv(carol, g["id"], "/leave"), expect=204)


class TestConversationList:
    async def test_ordered_by_activity_with_unread_and_pin_to_top(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        d1 = await direct(alice, bob)
        d2 = await direct(alice, carol)
        await send(bob, d1["id"], "1")
        await send(carol, d2["id"], "2")
        await send(carol, d2["id"], "3")
        # the all-staff group (全员群) is in everyone's list too: this test looks at the 1:1 chats
        items = [c for c in (await alice.get(alice.org("/conversations")))["items"] if c["managed"] is None]
        assert [(c["id"], c["unread_count"]) for c in items] == [(d2["id"], 2), (d1["id"], 1)]
        assert items[0]["last_message"]["content"]["text"] == "3"
        await send(bob, d1["id"], "4")
        assert [c["id"] for c in (await alice.get(alice.org("/conversations")))["items"] if c["managed"] is None] == [d1["id"], d2["id"]]
        s = await alice.put(conv(alice, d2["id"], "/settings"), json={"pinned": True, "muted": True})
        assert s == {"conversation_id": d2["id"], "muted": True, "pinned": True}
        items = [c for c in (await alice.get(alice.org("/conversations")))["items"] if c["managed"] is None]
        assert [c["id"] for c in items] == [d2["id"], d1["id"]] and items[0]["muted"]
        # own messages never count as unread: sending moves the sender's pointer
        await send(alice, d1["id"], "回复")
        items = (await alice.get(alice.org("/conversations")))["items"]
        assert {c["id"]: c["unread_count"] for c in items}[d1["id"]] == 0


class TestTenancy:
    async def test_globex_sees_nothing_of_acme(self, cast):
        alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
        g = await group(alice, bob, name="机密")
        m = await send(alice, g["id"], "acme 机密 报销")
        # only globex's own all-staff group
        assert [c["managed"] for c in (await dave.get(dave.org("/conversations")))["items"]] == ["all_staff"]
        for path in ("", "/messages", "/members", "/pins", f"/messages/{m['id']}/receipts", f"/messages/{m['id']}/unread_count"):
            r = await dave.get(dave.org(f"/conversations/{g['id']}{path}"), expect=404)
            assert r["code"] == "conversation_not_found"
            await dave.get(alice.org(f"/conversations/{g['id']}{path}"), expect=404)
        await dave.post(dave.org(f"/conversations/{g['id']}/members"), json={"member_ids": [dave.member_id]}, expect=404)
        await dave.post(dave.org(f"/conversations/{g['id']}/read"), json={"seq": 5}, expect=404)
        await dave.post(dave.org(f"/conversations/{g['id']}/messages/{m['id']}/recall"), expect=404)
        assert (await dave.get(dave.org("/messages/search"), params={"q": "报销"}))["items"] == []
        # carol of acme, not in the group, sees nothing either
        carol = cast["carol"]
        assert (await carol.get(carol.org("/messages/search"), params={"q": "报销"}))["items"] == []
        await carol.get(carol.org(f"/conversations/{g['id']}/messages"), expect=404)



class TestLargeGroups:
    async def test_a_ten_thousand_member_group(self, app, cast):
        """The issue's upper bound: 10,000 people added in one request (one read of them, not
        10,000), a message's unread count over all of them, and the limit still enforced."""
        alice, bob = cast["alice"], cast["bob"]
        n = 10_000
        phones = [f"166{i:08d}" for i in range(n)]
        # Accounts as if these people had signed up; the import links them by phone.
        async with app.state.uow_factory() as uow:
            await uow.session.execute(insert(Account), [{"name": f"员工{i}", "phone": p} for i, p in enumerate(phones)])
        sheet = "姓名,手机号\n" + "".join(f"员工{i},{p}\n" for i, p in enumerate(phones))
        report = await alice.post(alice.org("/members/import"), files={"file": ("m.csv", sheet.encode(), "text/csv")})
        assert report["created"] == n, report
        async with app.state.uow_factory() as uow:
            stmt = select(Member.id).where(Member.org_id == alice.org_id, Member.phone.in_(phones), Member.account_id.is_not(None))
            ids = list((await uow.session.execute(stmt)).scalars())
        assert len(ids) == n

        limits = app.state.chat_limits
        saved, limits.group_max_members = limits.group_max_members, n + 1
        try:
            g = await alice.post(alice.org("/conversations"), json={"name": "万人群", "member_ids": ids}, expect=201)
            assert g["member_count"] == n + 1
            r = await alice.post(conv(alice, g["id"], "/members"), json={"member_ids": [bob.member_id]}, expect=400)
            assert r["code"] == "group_too_large"
        finally:
            limits.group_max_members = saved
        m = await send(alice, g["id"], "全体通知")
        counted = await alice.get(conv(alice, g["id"], f"/messages/{m['id']}/unread_count"))
        assert counted["unread_count"] == n
