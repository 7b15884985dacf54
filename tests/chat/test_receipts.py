"""Read pointers, unread counts and who has (not) read a message (已读未读)."""

from tests.chat.conftest import direct, group, send


def url(api, cid, path):
    return api.org(f"/conversations/{cid}{path}")


class TestReadPointer:
    async def test_advances_forward_only_and_clamps(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        for i in range(3):
            await send(alice, d["id"], str(i))
        assert (await bob.get(url(bob, d["id"], "")))["unread_count"] == 3
        r = await bob.post(url(bob, d["id"], "/read"), json={"seq": 2})
        assert r["last_read_seq"] == 2
        assert (await bob.post(url(bob, d["id"], "/read"), json={"seq": 1}))["last_read_seq"] == 2
        assert (await bob.post(url(bob, d["id"], "/read"), json={"seq": 99}))["last_read_seq"] == 3
        assert (await bob.get(url(bob, d["id"], "")))["unread_count"] == 0
        assert (await bob.post(url(bob, d["id"], "/read"), json={"seq": -1}, expect=422))["code"] == "validation_error"


class TestReceipts:
    async def test_counts_and_lists(self, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        g = await group(alice, bob, carol)
        m = await send(alice, g["id"], "请大家确认")
        receipts = url(alice, g["id"], f"/messages/{m['id']}/receipts")
        r = await alice.get(receipts)
        assert (r["read_count"], r["unread_count"]) == (0, 2)
        assert [p["name"] for p in r["items"]] == ["bob", "carol"]
        await bob.post(url(bob, g["id"], "/read"), json={"seq": m["seq"]})
        r = await alice.get(receipts, params={"state": "read"})
        assert (r["read_count"], r["unread_count"]) == (1, 1) and [p["member_id"] for p in r["items"]] == [bob.member_id]
        assert (await carol.get(url(carol, g["id"], f"/messages/{m['id']}/unread_count")))["unread_count"] == 1
        history = (await alice.get(url(alice, g["id"], "/messages")))["items"]
        assert history[-1]["unread_count"] == 1
        # a newcomer is not a receiver of older messages
        await alice.post(url(alice, g["id"], "/members"), json={"member_ids": [eve.member_id]})
        r = await alice.get(receipts)
        assert (r["read_count"], r["unread_count"]) == (1, 1)

    async def test_only_sender_and_group_admins_see_lists(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        g = await group(alice, bob, carol)
        m = await send(bob, g["id"], "周报已交")
        path = f"/messages/{m['id']}/receipts"
        await bob.get(url(bob, g["id"], path))
        await alice.get(url(alice, g["id"], path))  # the group owner
        r = await carol.get(url(carol, g["id"], path), expect=403)
        assert r["code"] == "receipts_forbidden"
        await alice.put(url(alice, g["id"], f"/members/{carol.member_id}/role"), json={"role": "admin"})
        await carol.get(url(carol, g["id"], path))
        d = await direct(alice, bob)
        dm = await send(alice, d["id"], "x")
        await bob.get(url(bob, d["id"], f"/messages/{dm['id']}/receipts"), expect=403)

    async def test_paged(self, app, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        g = await group(alice, bob, carol, eve)
        m = await send(alice, g["id"], "x")
        page = await alice.get(url(alice, g["id"], f"/messages/{m['id']}/receipts"), params={"limit": 2})
        assert len(page["items"]) == 2 and page["next_offset"] == 2
        rest = await alice.get(url(alice, g["id"], f"/messages/{m['id']}/receipts"), params={"offset": 2, "limit": 2})
        assert len(rest["items"]) == 1 and rest["next_offset"] is None
