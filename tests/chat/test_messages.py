"""Sending, idempotency, seq order, bad input, replies, mentions, recall and pins."""

import time_machine
from datetime import UTC, datetime, timedelta

from tests.chat.conftest import direct, group, send


def msgs(api, conversation_id, **params):
    return api.get(api.org(f"/conversations/{conversation_id}/messages"), params=params)


class TestSendMessage:
    async def test_text_gets_next_seq_in_order(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        sent = [await send(alice if i % 2 else bob, g["id"], f"第{i}条") for i in range(6)]
        assert [m["seq"] for m in sent] == list(range(2, 8))  # seq 1 is the "created" line
        page = await msgs(bob, g["id"])
        assert [m["seq"] for m in page["items"]] == list(range(1, 8))
        assert page["items"][0]["kind"] == "system"
        assert [m["content"]["text"] for m in page["items"][1:]] == [f"第{i}条" for i in range(6)]
        assert page["last_seq"] == 7

    async def test_scroll_back_and_catch_up(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        for i in range(1, 8):
            await send(alice, d["id"], str(i))
        older = await msgs(bob, d["id"], before_seq=5, limit=2)
        assert [m["seq"] for m in older["items"]] == [3, 4] and older["has_more"]
        newer = await msgs(bob, d["id"], after_seq=5, limit=10)
        assert [m["seq"] for m in newer["items"]] == [6, 7] and not newer["has_more"]

    async def test_markdown_and_card(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        md = await send(alice, d["id"], "**加粗**", kind="markdown", title="周报")
        assert md["content"] == {"text": "**加粗**", "title": "周报"}
        card = await send(
            alice, d["id"], "请审批", kind="card", title="报销", buttons=[{"title": "同意", "url": "https://x"}]
        )
        assert card["content"]["buttons"][0]["title"] == "同意"

    async def test_empty_and_oversize_are_refused_and_nothing_is_written(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        assert (await send(alice, d["id"], "   ", expect=400))["code"] == "message_empty"
        assert (await send(alice, d["id"], "长" * 5001, expect=400))["code"] == "message_too_long"
        assert (await send(alice, d["id"], "x", kind="card", expect=400))["code"] == "message_empty"
        r = await send(alice, d["id"], "x", buttons=[{"title": "a"}], expect=400)
        assert r["code"] == "buttons_need_card"
        r = await send(alice, d["id"], "x", kind="voice", expect=422)
        assert r["code"] == "validation_error"
        assert (await msgs(alice, d["id"]))["items"] == []
        assert (await alice.get(alice.org(f"/conversations/{d['id']}")))["last_seq"] == 0

    async def test_unknown_foreign_and_non_member_conversations(self, cast):
        alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
        d = await direct(alice, bob)
        assert (await send(alice, 999999, "hi", expect=404))["code"] == "conversation_not_found"
        assert (await send(carol, d["id"], "hi", expect=404))["code"] == "conversation_not_found"
        # dave of globex, through his own org and through acme's
        r = await dave.post(dave.org(f"/conversations/{d['id']}/messages"), json={"text": "hi"}, expect=404)
        assert r["code"] == "conversation_not_found"
        r = await dave.post(alice.org(f"/conversations/{d['id']}/messages"), json={"text": "hi"}, expect=404)
        assert r["code"] == "org_not_found"


class TestIdempotency:
    async def test_retry_returns_the_first_message(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        first = await send(alice, d["id"], "你好", client_msg_id="c-1")
        again = await send(alice, d["id"], "你好", client_msg_id="c-1", expect=200)
        assert again == first
        assert len((await msgs(alice, d["id"]))["items"]) == 1

    async def test_reused_id_with_another_body_is_a_conflict(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        d = await direct(alice, bob)
        await send(alice, d["id"], "你好", client_msg_id="c-1")
        assert (await send(alice, d["id"], "再见", client_msg_id="c-1", expect=409))["code"] == "client_msg_id_reused"
        other = await direct(alice, carol)
        assert (await send(alice, other["id"], "你好", client_msg_id="c-1", expect=409))["code"] == "client_msg_id_reused"
        # another sender may use the same id
        await send(bob, d["id"], "你好", client_msg_id="c-1")

    async def test_retry_after_recall_still_returns_the_first(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        first = await send(alice, d["id"], "你好", client_msg_id="c-9")
        await alice.post(alice.org(f"/conversations/{d['id']}/messages/{first['id']}/recall"))
        again = await send(alice, d["id"], "你好", client_msg_id="c-9", expect=200)
        assert again["id"] == first["id"] and again["recalled"]


class TestReplyAndMentions:
    async def test_reply_quotes_the_original(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        original = await send(alice, g["id"], "明天开会")
        reply = await send(bob, g["id"], "好的", reply_to_message_id=original["id"])
        assert reply["reply_to"]["message_id"] == original["id"]
        assert reply["reply_to"]["excerpt"] == "明天开会"
        other = await direct(alice, bob)
        r = await send(bob, other["id"], "x", reply_to_message_id=original["id"], expect=404)
        assert r["code"] == "reply_not_found"

    async def test_quote_of_a_recalled_message_hides_its_text(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        original = await send(bob, g["id"], "说错了")
        await send(alice, g["id"], "?", reply_to_message_id=original["id"])
        await bob.post(bob.org(f"/conversations/{g['id']}/messages/{original['id']}/recall"))
        page = await msgs(alice, g["id"])
        assert page["items"][-1]["reply_to"] == {**page["items"][-1]["reply_to"], "recalled": True, "excerpt": ""}

    async def test_mentions_must_be_members(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        g = await group(alice, bob)
        m = await send(alice, g["id"], "@bob", mention_member_ids=[bob.member_id])
        assert m["mention_member_ids"] == [bob.member_id]
        r = await send(alice, g["id"], "@carol", mention_member_ids=[carol.member_id], expect=400)
        assert r["code"] == "mention_not_member"

    async def test_mention_all_in_large_groups_only_for_admins(self, app, cast):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        limits = app.state.chat_limits
        saved = limits.mention_all_open_max_members
        limits.mention_all_open_max_members = 3
        try:
            small = await group(alice, bob, carol)
            await send(bob, small["id"], "@所有人", mention_all=True)
            big = await group(alice, bob, carol, eve)
            r = await send(bob, big["id"], "@所有人", mention_all=True, expect=403)
            assert r["code"] == "mention_all_forbidden"
            await send(alice, big["id"], "@所有人", mention_all=True)
            await alice.put(alice.org(f"/conversations/{big['id']}/members/{bob.member_id}/role"), json={"role": "admin"})
            await send(bob, big["id"], "@所有人", mention_all=True)
            d = await direct(alice, bob)
            assert (await send(alice, d["id"], "@all", mention_all=True, expect=400))["code"] == "not_a_group"
        finally:
            limits.mention_all_open_max_members = saved


class TestRecall:
    async def test_sender_within_24_hours(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        m = await send(bob, d["id"], "秘密")
        url = bob.org(f"/conversations/{d['id']}/messages/{m['id']}/recall")
        r = await alice.post(alice.org(f"/conversations/{d['id']}/messages/{m['id']}/recall"), expect=403)
        assert r["code"] == "recall_forbidden"
        recalled = await bob.post(url)
        assert recalled["recalled"] and recalled["content"] == {} and recalled["recalled_by_member_id"] == bob.member_id
        seen = (await msgs(alice, d["id"]))["items"][0]
        assert seen["recalled"] and seen["content"] == {}

    async def test_sender_after_24_hours_is_refused(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        m = await send(bob, d["id"], "旧消息")
        with time_machine.travel(datetime.now(UTC) + timedelta(hours=25), tick=False):
            r = await bob.post(bob.org(f"/conversations/{d['id']}/messages/{m['id']}/recall"), expect=403)
        assert r["code"] == "recall_window_passed"

    async def test_group_admin_any_time(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        g = await group(alice, bob, carol)
        m = await send(carol, g["id"], "不当言论")
        with time_machine.travel(datetime.now(UTC) + timedelta(days=20), tick=False):
            r = await bob.post(bob.org(f"/conversations/{g['id']}/messages/{m['id']}/recall"), expect=403)
            assert r["code"] == "recall_forbidden"
            await alice.post(alice.org(f"/conversations/{g['id']}/messages/{m['id']}/recall"))

    async def test_system_messages_cannot_be_recalled(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        first = (await msgs(alice, g["id"]))["items"][0]
        await alice.post(alice.org(f"/conversations/{g['id']}/messages/{first['id']}/recall"), expect=403)


class TestPin:
    async def test_admins_pin_in_groups(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        m = await send(bob, g["id"], "重要通知")
        url = f"/conversations/{g['id']}/messages/{m['id']}/pin"
        assert (await bob.put(bob.org(url), expect=403))["code"] == "group_admin_required"
        pinned = await alice.put(alice.org(url))
        assert pinned["pinned"]
        assert [p["id"] for p in await bob.get(bob.org(f"/conversations/{g['id']}/pins"))] == [m["id"]]
        await alice.delete(alice.org(url))
        assert await bob.get(bob.org(f"/conversations/{g['id']}/pins")) == []

    async def test_recalled_cannot_be_pinned_and_recall_unpins(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        m = await send(bob, d["id"], "x")
        await alice.put(alice.org(f"/conversations/{d['id']}/messages/{m['id']}/pin"))
        await bob.post(bob.org(f"/conversations/{d['id']}/messages/{m['id']}/recall"))
        assert await bob.get(bob.org(f"/conversations/{d['id']}/pins")) == []
        r = await alice.put(alice.org(f"/conversations/{d['id']}/messages/{m['id']}/pin"), expect=400)
        assert r["code"] == "cannot_pin"


class TestConcurrency:
    async def test_concurrent_sends_get_distinct_gapless_seqs(self, cast):
        import asyncio

        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        sent = await asyncio.gather(*[send(alice if i % 2 else bob, g["id"], f"并发{i}") for i in range(16)])
        assert sorted(m["seq"] for m in sent) == list(range(2, 18))

    async def test_concurrent_retries_store_one_message(self, cast):
        import asyncio

        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        results = await asyncio.gather(
            *[alice.post(alice.org(f"/conversations/{d['id']}/messages"), json={"text": "一次", "client_msg_id": "same"}, expect=None) for _ in range(6)]
        )
        assert len({r["id"] for r in results}) == 1
        assert len((await msgs(alice, d["id"]))["items"]) == 1


class TestForward:
    async def test_copies_into_conversations_the_sender_is_in(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        d = await direct(alice, bob)
        g = await group(alice, carol)
        m = await send(bob, d["id"], "会议纪要")
        url = alice.org(f"/conversations/{d['id']}/messages/{m['id']}/forward")
        [copy] = await alice.post(url, json={"conversation_ids": [g["id"]]}, expect=201)
        assert copy["conversation_id"] == g["id"] and copy["sender_member_id"] == alice.member_id
        assert copy["content"]["text"] == "会议纪要"
        assert copy["content"]["forwarded_from"]["sender_member_id"] == bob.member_id
        other = await direct(bob, carol)
        r = await alice.post(url, json={"conversation_ids": [g["id"], other["id"]]}, expect=404)
        assert r["code"] == "conversation_not_found"
        assert len((await msgs(carol, g["id"]))["items"]) == 2  # "created" and the copy; nothing half-written
