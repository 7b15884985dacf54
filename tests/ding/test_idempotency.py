"""POST /dings with an Idempotency-Key: a retry returns the first DING and sends nothing again."""

import asyncio

from tack.core.i18n import ZH_MESSAGES

from tests.ding.conftest import jobs


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


class TestIdempotencyKey:
    async def test_a_retry_returns_the_first_ding_and_sends_nothing_twice(self, app, cast, captured_events):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        body = {"member_ids": [bob.member_id, carol.member_id], "text": "机房断电", "channel": "sms"}
        captured_events.clear()
        first = await alice.post(alice.org("/dings"), json=body, headers=key("k-1"), expect=201)
        # the same request again, recipients in another order: the same DING, answered 200
        again = await alice.post(alice.org("/dings"), json=body | {"member_ids": [carol.member_id, bob.member_id]},
                                 headers=key("k-1"), expect=200)
        assert again["id"] == first["id"] and again["recipient_count"] == 2
        assert [d["id"] for d in (await alice.get(alice.org("/dings/sent")))["items"]] == [first["id"]]
        assert len(captured_events.of("ding", "add")) == 1
        assert len(await jobs(app, "ding.remind")) == 1 and len(await jobs(app, "ding.notify")) == 2
        # a different key is a different DING
        other = await alice.post(alice.org("/dings"), json=body, headers=key("k-2"), expect=201)
        assert other["id"] != first["id"]

    async def test_same_key_with_another_request_is_refused(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        body = {"member_ids": [bob.member_id], "text": "开会"}
        first = await alice.post(alice.org("/dings"), json=body, headers=key("k-1"), expect=201)
        for changed in ({"text": "不开了"}, {"member_ids": [bob.member_id, carol.member_id]}, {"channel": "call"}):
            r = await alice.post(alice.org("/dings"), json=body | changed, headers=key("k-1"), expect=422)
            assert r["code"] == "idempotency_key_reused"
        assert r["message"] == ZH_MESSAGES["idempotency_key_reused"]  # zh-CN is the default language
        sent = (await alice.get(alice.org("/dings/sent")))["items"]
        assert [d["id"] for d in sent] == [first["id"]] and sent[0]["text"] == "开会"

    async def test_keys_belong_to_their_sender(self, cast):
        alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
        mine = await alice.post(alice.org("/dings"), json={"member_ids": [carol.member_id], "text": "a"}, headers=key("k"), expect=201)
        # bob's k, even with alice's request, is his own DING; dave's org shares nothing
        bobs = await bob.post(bob.org("/dings"), json={"member_ids": [carol.member_id], "text": "a"}, headers=key("k"), expect=201)
        assert bobs["id"] != mine["id"] and bobs["sender_member_id"] == bob.member_id
        await dave.post(dave.org("/dings"), json={"member_ids": [carol.member_id], "text": "a"}, headers=key("k"), expect=404)
        assert (await dave.get(dave.org("/dings/sent")))["items"] == []

    async def test_a_retry_is_not_charged_against_the_daily_limit(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        await alice.put(alice.org("/ding/settings"), json={"daily_limit": 1})
        body = {"member_ids": [carol.member_id], "text": "x", "channel": "sms"}
        first = await bob.post(bob.org("/dings"), json=body, headers=key("sms-1"), expect=201)
        assert (await bob.post(bob.org("/dings"), json=body, headers=key("sms-1"), expect=200))["id"] == first["id"]
        await bob.post(bob.org("/dings"), json=body, headers=key("sms-2"), expect=429)

    async def test_a_failed_request_leaves_the_key_free(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        r = await alice.post(alice.org("/dings"), json={"member_ids": [bob.member_id], "text": "  "}, headers=key("k"), expect=422)
        assert r["code"] == "ding_empty"
        await alice.post(alice.org("/dings"), json={"member_ids": [bob.member_id], "text": "ok"}, headers=key("k"), expect=201)

    async def test_bad_keys(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        for bad in ("", "x" * 65, "有空格 key"):
            await alice.post(alice.org("/dings"), json={"member_ids": [bob.member_id], "text": "x"},
                             headers={"Idempotency-Key": bad.encode()}, expect=422)
            assert alice.last.json()["code"] == "validation_error"
        assert (await alice.get(alice.org("/dings/sent")))["items"] == []

    async def test_concurrent_retries_make_one_ding(self, cast, captured_events):
        alice, bob = cast["alice"], cast["bob"]
        body = {"member_ids": [bob.member_id], "text": "同时重试"}
        captured_events.clear()
        results = await asyncio.gather(
            *[alice.post(alice.org("/dings"), json=body, headers=key("race"), expect=None) for _ in range(4)]
        )
        assert len({r["id"] for r in results}) == 1
        assert sorted(r.get("recipient_count") for r in results) == [1, 1, 1, 1]
        assert len((await alice.get(alice.org("/dings/sent")))["items"]) == 1
        assert len(captured_events.of("ding", "add")) == 1
