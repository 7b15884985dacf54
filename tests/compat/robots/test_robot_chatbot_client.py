"""The real, unmodified DingtalkChatbot client (PyPI) against the server over real HTTP:
signed and keyword robots, every message type it sends, the rate limit, and what lands in
the group as chat messages."""

import asyncio
from urllib.parse import parse_qs, urlsplit

from dingtalkchatbot.chatbot import ActionCard, CardItem, DingtalkChatbot, FeedLink

from tests.compat.robots.conftest import add_robot, group, messages


def bot(base_url: str, robot: dict, secret: str | None = None) -> DingtalkChatbot:
    webhook = base_url + robot["webhook_url"].split("testserver", 1)[1].replace("http://", "")
    return DingtalkChatbot(webhook, secret=secret)


def unwrap(link: str) -> str:
    """DingtalkChatbot wraps links as dingtalk://dingtalkclient/page/link?url=...; stored verbatim."""
    assert link.startswith("dingtalk://dingtalkclient/page/link?url=")
    return parse_qs(urlsplit(link).query)["url"][0]


async def test_signed_robot_every_message_type(cast, base_url):
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    g = await group(alice, bob, carol)
    robot = await add_robot(alice, g["id"], name="发布助手", sign=True)
    client = bot(base_url, robot, robot["secret"])
    assert "&timestamp=" in client.webhook and "&sign=" in client.webhook
    calls = [
        lambda: client.send_text("构建完成", at_mobiles=["13900000002"]),
        lambda: client.send_text("全体注意", is_at_all=True, at_dingtalk_ids=[str(carol.member_id)]),
        lambda: client.send_link("发布说明", "v1.2 已发布", "https://example.com/release", "https://example.com/p.png"),
        lambda: client.send_markdown("日报", "## 今日\n- **完成** 3 项\n- [详情](https://example.com/d)", at_mobiles=["13900000003"]),
        lambda: client.send_action_card(ActionCard("审批", "请处理报销单", [CardItem("查看", "https://example.com/a")])),
        lambda: client.send_action_card(
            ActionCard("投票", "选一个", [CardItem("同意", "https://example.com/y"), CardItem("反对", "https://example.com/n")], btn_orientation=1)
        ),
        lambda: client.send_feed_card(
            [FeedLink("新闻一", "https://example.com/1", "https://example.com/1.png"), FeedLink("新闻二", "https://example.com/2", "https://example.com/2.png")]
        ),
        lambda: client.send_image("https://example.com/chart.png"),
    ]
    for call in calls:
        assert await asyncio.to_thread(call) == {"errcode": 0, "errmsg": "ok"}
    got = await messages(bob, g["id"])
    assert [m["kind"] for m in got] == ["text", "text", "card", "markdown", "card", "card", "card", "card"]
    assert all(m["sender_member_id"] is None and m["content"]["robot"]["name"] == "发布助手" for m in got)
    text, at_all, link, md, single, multi, feed, image = got
    assert text["content"]["text"] == "构建完成\n@bob" and text["mention_member_ids"] == [bob.member_id]
    assert at_all["mention_all"] is True and at_all["mention_member_ids"] == [carol.member_id]
    assert link["content"]["format"] == "link" and link["content"]["title"] == "发布说明"
    assert unwrap(link["content"]["url"]) == "https://example.com/release"
    assert md["content"]["title"] == "日报" and "**完成** 3 项" in md["content"]["text"]
    assert md["mention_member_ids"] == [carol.member_id] and md["content"]["text"].endswith("@carol")
    assert single["content"]["format"] == "actionCard" and [b["title"] for b in single["content"]["buttons"]] == ["查看"]
    assert unwrap(single["content"]["buttons"][0]["url"]) == "https://example.com/a"
    assert [b["title"] for b in multi["content"]["buttons"]] == ["同意", "反对"] and multi["content"]["btn_orientation"] == "1"
    assert [x["title"] for x in feed["content"]["links"]] == ["新闻一", "新闻二"]
    assert unwrap(feed["content"]["links"][1]["url"]) == "https://example.com/2"
    assert image["content"]["format"] == "image" and image["content"]["pic_url"] == "https://example.com/chart.png"


async def test_wrong_secret_and_unsigned_calls_are_refused(cast, base_url):
    alice, bob = cast["alice"], cast["bob"]
    g = await group(alice, bob)
    robot = await add_robot(alice, g["id"], sign=True)
    wrong = bot(base_url, robot, "SEC" + "0" * 64)
    unsigned = bot(base_url, robot)
    assert (await asyncio.to_thread(wrong.send_text, "hi"))["errcode"] == 310000
    assert (await asyncio.to_thread(unsigned.send_text, "hi")) == {"errcode": 310000, "errmsg": "invalid timestamp"}
    assert await messages(alice, g["id"]) == []


async def test_keyword_robot(cast, base_url):
    alice, bob = cast["alice"], cast["bob"]
    g = await group(alice, bob)
    robot = await add_robot(alice, g["id"], keywords=["监控"])
    client = bot(base_url, robot)
    assert await asyncio.to_thread(client.send_text, "监控: CPU 95%") == {"errcode": 0, "errmsg": "ok"}
    assert await asyncio.to_thread(client.send_text, "CPU 95%") == {"errcode": 310000, "errmsg": "keywords not in content"}
    assert await asyncio.to_thread(client.send_markdown, "监控日报", "一切正常") == {"errcode": 0, "errmsg": "ok"}
    assert [m["kind"] for m in await messages(alice, g["id"])] == ["text", "markdown"]


async def test_rate_limited_across_client_instances(cast, base_url):
    """One client instance throttles itself (it sleeps after 20 posts a minute), so two
    instances of the same robot together reach the server's limit, as two processes would."""
    alice, bob = cast["alice"], cast["bob"]
    g = await group(alice, bob)
    robot = await add_robot(alice, g["id"], sign=True)
    first, second = bot(base_url, robot, robot["secret"]), bot(base_url, robot, robot["secret"])
    answers = []
    for i in range(11):
        answers.append(await asyncio.to_thread(first.send_text, f"第{i}条 A"))
        answers.append(await asyncio.to_thread(second.send_text, f"第{i}条 B"))
    assert [a["errcode"] for a in answers] == [0] * 20 + [130101, 130101]
    assert len(await messages(alice, g["id"])) == 20
