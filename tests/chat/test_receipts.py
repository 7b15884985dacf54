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

    async def test_checks_answer_in_order(self, cast):
        """Not a member: 404 conversation_not_found; a message of another conversation: 404
        message_not_found; lists: 403 for ordinary members and for system messages, before
        409 receipts_disabled; the count: any member, system messages included."""
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        g = await group(alice, bob, carol)
        other = await group(alice, eve)
        m = await send(alice, g["id"], "请确认")
        elsewhere = await send(alice, other["id"], "x")
        base = f"/messages/{m['id']}"
        for path in ("/unread_count", "/receipts"):
            r = await eve.get(url(eve, g["id"], base + path), expect=404)
            assert r["code"] == "conversation_not_found"
            r = await alice.get(url(alice, g["id"], f"/messages/{elsewhere['id']}{path}"), expect=404)
            assert r["code"] == "message_not_found"
            r = await alice.get(url(alice, 10**9, base + path), expect=404)
            assert r["code"] == "conversation_not_found"
        assert (await carol.get(url(carol, g["id"], base + "/unread_count")))["unread_count"] == 2
        assert (await carol.get(url(carol, g["id"], base + "/receipts"), expect=403))["code"] == "receipts_forbidden"
        created = next(x for x in (await alice.get(url(alice, g["id"], "/messages")))["items"] if x["kind"] == "system")
        assert (await alice.get(url(alice, g["id"], f"/messages/{created['id']}/receipts"), expect=403))["code"] == "receipts_forbidden"
        await alice.get(url(alice, g["id"], f"/messages/{created['id']}/unread_count"))
        await alice.put(alice.org("/chat/settings"), json={"receipts_off_kinds": ["group"]})
        assert (await carol.get(url(carol, g["id"], base + "/receipts"), expect=403))["code"] == "receipts_forbidden"
        for path in ("/unread_count", "/receipts"):
            assert (await alice.get(url(alice, g["id"], base + path), expect=409))["code"] == "receipts_disabled"

    async def test_leavers_newcomers_and_the_sender(self, cast):
        """Counts and pages cover the receivers only: not the sender, not people who left,
        not people who joined after the message; pages in member-id order on both sides."""
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        g = await group(alice, bob, carol, eve)
        m = await send(bob, g["id"], "周会改到三点")
        receipts = url(bob, g["id"], f"/messages/{m['id']}/receipts")
        await eve.post(url(eve, g["id"], "/read"), json={"seq": m["seq"]})
        r = await bob.get(receipts)
        assert (r["read_count"], r["unread_count"]) == (1, 2)
        assert [p["member_id"] for p in r["items"]] == sorted([alice.member_id, carol.member_id])
        assert (await bob.get(url(bob, g["id"], f"/messages/{m['id']}/unread_count")))["unread_count"] == 2
        await alice.delete(url(alice, g["id"], f"/members/{carol.member_id}"), expect=204)
        r = await bob.get(receipts)
        assert (r["read_count"], r["unread_count"]) == (1, 1) and [p["name"] for p in r["items"]] == ["Alice 艾丽斯"]
        r = await bob.get(receipts, params={"state": "read"})
        assert [(p["member_id"], p["name"]) for p in r["items"]] == [(eve.member_id, "eve")]
        await alice.post(url(alice, g["id"], "/members"), json={"member_ids": [carol.member_id]})
        # carol is back, as a newcomer: not a receiver of the older message on either side
        read = await bob.get(receipts, params={"state": "read"})
        unread = await bob.get(receipts)
        assert read["read_count"] + read["unread_count"] == 2
        assert carol.member_id not in {p["member_id"] for p in read["items"] + unread["items"]}
        count = (await bob.get(url(bob, g["id"], f"/messages/{m['id']}/unread_count")))["unread_count"]
        assert count == unread["unread_count"]

    async def test_names_of_people_in_hidden_departments(self, cast, client):
        """通讯录隐藏 hides a department from the directory, not a shared conversation's
        people: the sender sees their names in the receipts like anyone else's."""
        alice, bob = cast["alice"], cast["bob"]
        dept = await alice.post(alice.org("/departments"), json={"name": "保密部", "parent_id": alice.refs["root"], "hidden": True}, expect=201)
        secret = await alice.post(
            alice.org("/members"), json={"name": "张秘", "phone": "13600000100", "department_ids": [dept["id"]]}, expect=201
        )
        secret_id = secret["member"]["id"]
        assert secret_id not in {p["id"] for p in (await bob.get(bob.org("/members")))["items"]}
        g = await group(alice, bob)
        await alice.post(url(alice, g["id"], "/members"), json={"member_ids": [secret_id]})
        m = await send(bob, g["id"], "请张秘确认")
        r = await bob.get(url(bob, g["id"], f"/messages/{m['id']}/receipts"))
        assert [(p["member_id"], p["name"]) for p in r["items"]] == sorted([(alice.member_id, "Alice 艾丽斯"), (secret_id, "张秘")])


class TestReceiptsFastPath:
    """routes.ReceiptsFastPath answers bearer GETs of the two lookups ahead of the router:
    byte for byte what the FastAPI routes answer (a query parameter the fast path does not
    know sends the same request on to the router, which ignores it)."""

    async def test_same_answers_as_the_router(self, cast, monkeypatch):
        import tack.chat.routes as chat_routes

        taken = []
        plain = chat_routes._plain_receipt_request
        monkeypatch.setattr(chat_routes, "_plain_receipt_request", lambda *a: taken.append(r) or r if (r := plain(*a)) else r)
        alice, bob, carol, eve, dave = (cast[n] for n in ("alice", "bob", "carol", "eve", "dave"))
        g = await group(alice, bob, carol)
        m = await send(alice, g["id"], "请大家确认 ✓")
        await bob.post(url(bob, g["id"], "/read"), json={"seq": m["seq"]})
        other = await send(alice, (await group(alice, eve))["id"], "x")
        msg = url(alice, g["id"], f"/messages/{m['id']}")
        cases = [
            (alice, msg + "/unread_count", {}, 200),
            (carol, msg + "/unread_count", {}, 200),
            (alice, msg + "/receipts", {}, 200),
            (alice, msg + "/receipts", {"state": "read", "limit": "1"}, 200),
            (alice, msg + "/receipts", {"state": "unread", "offset": "1", "limit": "1"}, 200),
            (alice, msg + "/receipts", {"offset": "5"}, 200),
            (carol, msg + "/receipts", {}, 403),
            (eve, msg + "/unread_count", {}, 404),
            (eve, msg + "/receipts", {}, 404),
            (dave, msg + "/unread_count", {}, None),
            (alice, url(alice, g["id"], f"/messages/{other['id']}/receipts"), {}, 404),
            (alice, url(alice, 10**18, f"/messages/{m['id']}/unread_count"), {}, 404),
        ]
        for api, path, params, status in cases:
            taken.clear()
            fast = await api.get(path, params=params, expect=status)
            assert taken, f"{path} {params} did not take the fast path"
            fast_r = api.last
            taken.clear()
            routed = await api.get(path, params={**params, "via": "router"}, expect=status)
            assert not taken
            assert (fast_r.status_code, fast_r.content, fast_r.headers["content-type"]) == (
                api.last.status_code, api.last.content, api.last.headers["content-type"]
            ), path
            assert fast == routed
        # a session that has ended, and receipts turned off: the same errors
        gone = type(alice)(alice.client, "not-a-session")
        gone.org_id = alice.org_id
        assert (await gone.get(msg + "/unread_count", expect=401)) == (await gone.get(msg + "/unread_count", params={"via": "r"}, expect=401))
        await alice.put(alice.org("/chat/settings"), json={"receipts_off_kinds": ["group"]})
        for path in ("/unread_count", "/receipts"):
            assert (await alice.get(msg + path, expect=409)) == (await alice.get(msg + path, params={"via": "r"}, expect=409))

    async def test_anything_unusual_goes_to_the_router(self, cast):
        """Values FastAPI would refuse or read its own way are left to it: 422s unchanged."""
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        g = await group(alice, bob, carol)
        m = await send(alice, g["id"], "x")
        msg = url(alice, g["id"], f"/messages/{m['id']}")
        for params in ({"limit": "0"}, {"limit": "101"}, {"state": "all"}, {"offset": "-1"}, {"limit": "1x"}):
            assert (await alice.get(msg + "/receipts", params=params, expect=422))["code"] == "validation_error"
        assert (await alice.get(url(alice, g["id"], f"/messages/{2**63}/unread_count"), expect=422))["code"] == "validation_error"
        # repeated parameters: the router's reading (the last one)
        r = await alice.get(msg + "/receipts", params=[("limit", "5"), ("limit", "1")])
        assert r["items"] == [{"member_id": bob.member_id, "name": "bob"}] and r["next_offset"] == 1
