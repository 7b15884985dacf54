"""The org-level read-receipt setting: on for all (default), or off for chosen kinds."""

from tests.chat.conftest import direct, group, send


class TestReceiptSettings:
    async def test_permissions_and_validation(self, cast):
        alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
        assert await alice.get(alice.org("/chat/settings")) == {"receipts_off_kinds": []}
        r = await bob.get(bob.org("/chat/settings"), expect=403)
        r = await bob.put(bob.org("/chat/settings"), json={"receipts_off_kinds": ["group"]}, expect=403)
        r = await alice.put(alice.org("/chat/settings"), json={"receipts_off_kinds": ["nonsense"]}, expect=422)
        assert r["code"] == "validation_error"
        saved = await alice.put(alice.org("/chat/settings"), json={"receipts_off_kinds": ["all_staff", "department", "all_staff"]})
        assert saved == {"receipts_off_kinds": ["all_staff", "department"]}
        assert await alice.get(alice.org("/chat/settings")) == saved
        # another org is untouched, and cannot change acme's
        assert await dave.get(dave.org("/chat/settings")) == {"receipts_off_kinds": []}
        await dave.put(alice.org("/chat/settings"), json={"receipts_off_kinds": []}, expect=None)
        assert dave.last.status_code in (403, 404)
        assert await alice.get(alice.org("/chat/settings")) == saved

    async def test_off_for_all_staff_only(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        await alice.put(alice.org("/chat/settings"), json={"receipts_off_kinds": ["all_staff", "department"]})
        items = (await bob.get(bob.org("/conversations")))["items"]
        [staff] = [c for c in items if c["managed"] == "all_staff"]
        assert staff["receipts_enabled"] is False
        m = await send(alice, staff["id"], "全员通知")
        history = (await alice.get(alice.org(f"/conversations/{staff['id']}/messages")))["items"]
        assert [x["unread_count"] for x in history if x["id"] == m["id"]] == [None]
        base = alice.org(f"/conversations/{staff['id']}/messages/{m['id']}")
        for path in ("/unread_count", "/receipts"):
            r = await alice.get(base + path, expect=409)
            assert r["code"] == "receipts_disabled"
        # pointers still advance: bob's unread count drops after reading
        before = next(c for c in (await bob.get(bob.org("/conversations")))["items"] if c["id"] == staff["id"])
        assert before["unread_count"] >= 1
        await bob.post(bob.org(f"/conversations/{staff['id']}/read"), json={"seq": m["seq"]})
        after = next(c for c in (await bob.get(bob.org("/conversations")))["items"] if c["id"] == staff["id"])
        assert after["unread_count"] == 0
        # ordinary groups and 1:1 chats keep receipts
        g = await group(alice, bob, carol)
        assert g["receipts_enabled"] is True
        gm = await send(alice, g["id"], "项目进度")
        assert (await alice.get(alice.org(f"/conversations/{g['id']}/messages/{gm['id']}/unread_count")))["unread_count"] == 2
        d = await direct(alice, bob)
        dm = await send(alice, d["id"], "在吗")
        assert (await alice.get(alice.org(f"/conversations/{d['id']}/messages/{dm['id']}/receipts")))["unread_count"] == 1
        # turned back on: the same message has receipts again
        await alice.put(alice.org("/chat/settings"), json={"receipts_off_kinds": []})
        assert (await alice.get(base + "/unread_count"))["unread_count"] == 2  # carol and eve; bob has read it

    async def test_off_for_groups_and_direct(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        await alice.put(alice.org("/chat/settings"), json={"receipts_off_kinds": ["group", "direct"]})
        g = await group(alice, bob)
        assert g["receipts_enabled"] is False
        m = await send(alice, g["id"], "hi")
        r = await alice.get(alice.org(f"/conversations/{g['id']}/messages/{m['id']}/receipts"), expect=409)
        assert r["code"] == "receipts_disabled"
        staff = next(c for c in (await alice.get(alice.org("/conversations")))["items"] if c["managed"] == "all_staff")
        assert staff["receipts_enabled"] is True
