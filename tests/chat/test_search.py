"""Search of visible messages, including Chinese without spaces."""

from datetime import UTC, datetime, timedelta

from tack.chat.search import QueryTokens, message_tokens, normalize
from tests.chat.conftest import direct, group, send


def test_tokens():
    assert {"报销", "销单", "明天"} <= message_tokens(normalize("明天提交报销单"))
    assert "report" in message_tokens(normalize("Weekly REPORT"))
    assert "abc1" in message_tokens(normalize("ＡＢＣ１"))  # full-width folded
    q = QueryTokens("报销 Rep")
    assert q.bigrams == {"报销"} and q.prefixes == {"rep"}


async def search(api, q, **params):
    return (await api.get(api.org("/messages/search"), params={"q": q, **params}))["items"]


class TestSearch:
    async def test_chinese_inside_words(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        hit = await send(alice, g["id"], "明天提交报销单")
        await send(alice, g["id"], "报名参加销售会")  # has 报 and 销 but not 报销
        await send(alice, g["id"], "Weekly report 已发")
        assert [h["message"]["id"] for h in await search(bob, "报销")] == [hit["id"]]
        assert [h["message"]["id"] for h in await search(bob, "提交报销")] == [hit["id"]]
        assert len(await search(bob, "销")) == 2  # one character: LIKE fallback
        assert len(await search(bob, "REPORT")) == 1
        assert len(await search(bob, "rep")) == 1  # word prefix
        assert await search(bob, "100%") == []

    async def test_filters_and_visibility(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        g = await group(alice, bob)
        d = await direct(bob, carol)
        a = await send(alice, g["id"], "报销流程")
        b = await send(bob, d["id"], "报销到账了")
        assert {h["message"]["id"] for h in await search(bob, "报销")} == {a["id"], b["id"]}
        assert [h["message"]["id"] for h in await search(bob, "报销", conversation_id=d["id"])] == [b["id"]]
        assert [h["message"]["id"] for h in await search(bob, "报销", sender_member_id=alice.member_id)] == [a["id"]]
        # carol sees only her 1:1
        assert [h["message"]["id"] for h in await search(carol, "报销")] == [b["id"]]
        await carol.get(carol.org("/messages/search"), params={"q": "报销", "conversation_id": g["id"]}, expect=404)
        future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        assert await search(bob, "报销", since=future) == []
        assert len(await search(bob, "报销", until=future)) == 2
        # recalled messages leave the index
        await bob.post(bob.org(f"/conversations/{d['id']}/messages/{b['id']}/recall"))
        assert [h["message"]["id"] for h in await search(carol, "报销")] == []

    async def test_paging_and_empty_query(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        ids = [(await send(alice, d["id"], f"报销 {i}"))["id"] for i in range(3)]
        first = await bob.get(bob.org("/messages/search"), params={"q": "报销", "limit": 2})
        assert [h["message"]["id"] for h in first["items"]] == ids[:0:-1]
        rest = await search(bob, "报销", before_id=first["next_before_id"], limit=2)
        assert [h["message"]["id"] for h in rest] == [ids[0]]
        assert (await bob.get(bob.org("/messages/search"), params={"q": "  "}, expect=400))["code"] == "search_empty"
