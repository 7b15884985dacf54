"""Robot management (group owners/admins) and the webhook's rules, through the ASGI app:
security settings, bad input answered in DingTalk's form, rate limit, mentions, tenancy."""

import base64
import hashlib
import hmac
import time
from datetime import timedelta

import time_machine

from tack.core.clock import utc_now
from tests.chat.conftest import account_of
from tests.compat.robots.conftest import add_robot, group, messages


def signed(webhook: str, secret: str, *, timestamp: int | None = None) -> str:
    ts = str(timestamp if timestamp is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    from urllib.parse import quote_plus

    return f"{webhook}&timestamp={ts}&sign={quote_plus(base64.b64encode(digest))}"


def path(robot: dict) -> str:
    return robot["webhook_url"].split("testserver", 1)[1]


async def send(client, url: str, body, **kw):
    r = await client.post(url, json=body, **kw) if not isinstance(body, (bytes, str)) else await client.post(url, content=body, **kw)
    assert r.status_code == 200, r.text
    return r.json()


TEXT = {"msgtype": "text", "text": {"content": "告警: 磁盘满了"}, "at": {}}


class TestManagement:
    async def test_group_admin_adds_a_signed_robot_and_gets_its_webhook(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        robot = await add_robot(alice, g["id"], sign=True, keywords=["告警"], ip_allowlist=["127.0.0.1", "10.0.0.0/8"])
        assert robot["webhook_url"].startswith("http://testserver/robot/send?access_token=")
        assert robot["webhook_url"].endswith(robot["access_token"])
        assert robot["secret"].startswith("SEC") and len(robot["secret"]) == 67
        assert robot["keywords"] == ["告警"] and robot["ip_allowlist"] == ["127.0.0.1/32", "10.0.0.0/8"]
        listed = await alice.get(alice.org(f"/conversations/{g['id']}/robots"))
        assert [r["id"] for r in listed["items"]] == [robot["id"]]
        got = await alice.get(alice.org(f"/conversations/{g['id']}/robots/{robot['id']}"))
        assert got["secret"] == robot["secret"]

    async def test_only_owner_and_admins_manage_robots(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        g = await group(alice, bob)
        r = await add_robot(bob, g["id"], keywords=["x"], expect=403)
        assert r["code"] == "group_admin_required"
        assert (await add_robot(carol, g["id"], keywords=["x"], expect=404))["code"] == "conversation_not_found"
        await alice.put(alice.org(f"/conversations/{g['id']}/members/{bob.member_id}/role"), json={"role": "admin"})
        robot = await add_robot(bob, g["id"], keywords=["x"])
        await bob.get(bob.org(f"/conversations/{g['id']}/robots"))
        await carol.get(carol.org(f"/conversations/{g['id']}/robots"), expect=404)
        await bob.delete(bob.org(f"/conversations/{g['id']}/robots/{robot['id']}"), expect=204)

    async def test_a_security_setting_is_required_and_checked(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        assert (await add_robot(alice, g["id"], expect=400))["code"] == "robot_security_required"
        assert (await add_robot(alice, g["id"], ip_allowlist=["not-an-ip"], expect=400))["code"] == "robot_bad_ip"
        r = await add_robot(alice, g["id"], keywords=["a"], outgoing_url="ftp://x", expect=400)
        assert r["code"] == "robot_bad_callback_url"
        robot = await add_robot(alice, g["id"], keywords=["a"])
        url = alice.org(f"/conversations/{g['id']}/robots/{robot['id']}")
        assert (await alice.patch(url, json={"keywords": []}, expect=400))["code"] == "robot_security_required"
        changed = await alice.patch(url, json={"sign": True, "keywords": []})
        assert changed["secret"].startswith("SEC") and changed["keywords"] == []
        rotated = await alice.patch(url, json={"rotate_secret": True, "rotate_token": True})
        assert rotated["secret"] != changed["secret"] and rotated["access_token"] != changed["access_token"]
        d = await alice.post(alice.org("/conversations/direct"), json={"member_id": bob.member_id}, expect=None)
        assert (await add_robot(alice, d["id"], keywords=["a"], expect=400))["code"] == "robots_need_group"

    async def test_removed_robot_webhook_answers_token_is_not_exist(self, cast, client):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        robot = await add_robot(alice, g["id"], keywords=["告警"])
        assert await send(client, path(robot), TEXT) == {"errcode": 0, "errmsg": "ok"}
        await alice.delete(alice.org(f"/conversations/{g['id']}/robots/{robot['id']}"), expect=204)
        assert (await send(client, path(robot), TEXT))["errcode"] == 300005
        assert len(await messages(alice, g["id"])) == 1

    async def test_another_org_sees_and_changes_nothing(self, cast):
        alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
        g = await group(alice, bob)
        robot = await add_robot(alice, g["id"], keywords=["x"])
        r = await dave.get(f"/api/v1/orgs/{alice.org_id}/conversations/{g['id']}/robots", expect=404)
        assert r["code"] == "org_not_found"
        await dave.get(dave.org(f"/conversations/{g['id']}/robots"), expect=404)
        await dave.delete(dave.org(f"/conversations/{g['id']}/robots/{robot['id']}"), expect=404)
        assert len((await alice.get(alice.org(f"/conversations/{g['id']}/robots")))["items"]) == 1


class TestWebhook:
    async def test_text_lands_as_a_robot_message_with_mentions_and_events(self, cast, client, captured_events):
        alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
        g = await group(alice, bob)
        robot = await add_robot(alice, g["id"], keywords=["告警"])
        captured_events.clear()
        body = {
            "msgtype": "text",
            "text": {"content": "告警 @13900000002 @13900000003 @13900000004 @%d" % alice.member_id},
            # carol is not in the group; dave's phone and id belong to another org: dropped.
            "at": {"atMobiles": ["13900000002", "13900000003", "13900000004"], "atUserIds": [str(alice.member_id), str(dave.member_id)], "isAtAll": True},
        }
        assert await send(client, path(robot), body) == {"errcode": 0, "errmsg": "ok"}
        [m] = await messages(bob, g["id"])
        assert m["sender_member_id"] is None and m["kind"] == "text"
        assert m["content"]["robot"] == {"id": robot["id"], "name": "告警机器人"}
        assert m["mention_member_ids"] == sorted([alice.member_id, bob.member_id]) and m["mention_all"] is True
        assert m["content"]["text"] == "告警 @bob @13900000003 @13900000004 @Alice 艾丽斯"
        [event] = captured_events.of("message", "add")
        assert event.data["message"]["id"] == m["id"]
        assert set(event.to_accounts) == {await account_of(alice), await account_of(bob)}
        # Search finds it; it is unread for every member until they read it.
        found = await bob.get(bob.org("/messages/search"), params={"q": "告警"})
        assert [h["message"]["id"] for h in found["items"]] == [m["id"]]
        assert (await carol.get(carol.org("/messages/search"), params={"q": "告警"}))["items"] == []
        # (bob also has the "group created" line unread; alice created the group)
        assert (await bob.get(bob.org(f"/conversations/{g['id']}")))["unread_count"] == 2
        assert (await alice.get(alice.org(f"/conversations/{g['id']}")))["unread_count"] == 1

    async def test_every_refusal_has_dingtalks_code_and_writes_nothing(self, cast, client):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        signed_robot = await add_robot(alice, g["id"], name="签名", sign=True)
        kw = await add_robot(alice, g["id"], name="关键词", keywords=["告警", "报警"])
        ip = await add_robot(alice, g["id"], name="IP", ip_allowlist=["10.1.0.0/16"])
        secret = signed_robot["secret"]
        cases = [
            ("/robot/send?access_token=nope", TEXT, 300005),
            ("/robot/send", TEXT, 300005),
            (path(signed_robot), TEXT, 310000),  # no timestamp
            (signed(path(signed_robot), "SECwrong"), TEXT, 310000),
            (signed(path(signed_robot), secret, timestamp=int(time.time() * 1000) - 3_700_000), TEXT, 310000),
            (signed(path(signed_robot), secret, timestamp=int(time.time() * 1000) + 3_700_000), TEXT, 310000),
            (path(signed_robot) + "&timestamp=abc&sign=x", TEXT, 310000),
            (path(kw), {"msgtype": "text", "text": {"content": "磁盘满了"}}, 310000),
            (path(ip), TEXT, 310000),
            (path(kw), b"not json", 40035),
            (path(kw), b"", 40035),
            (path(kw), b"[1, 2]", 40035),
            (path(kw), {"msgtype": "voice", "voice": {}}, 40035),
            (path(kw), {"msgtype": "text"}, 40035),
            (path(kw), {"msgtype": "text", "text": {"content": "  "}}, 40035),
            (path(kw), {"msgtype": "text", "text": {"content": ["告警"]}}, 40035),
            (path(kw), {"msgtype": "text", "text": {"content": "告警" * 3000}}, 460101),
            (path(kw), {"msgtype": "actionCard", "actionCard": {"title": "告警", "text": "x"}}, 40035),
            (path(kw), {"msgtype": "feedCard", "feedCard": {"links": []}}, 40035),
            (path(kw), b"\xff\xfe", 40035),
        ]
        for url, body, code in cases:
            answer = await send(client, url, body)
            assert answer["errcode"] == code, (url, body, answer)
        assert (await send(client, path(ip), TEXT))["errmsg"] == "ip 127.0.0.1 not in whitelist"
        assert (await send(client, path(kw), {"msgtype": "text", "text": {"content": "x"}}))["errmsg"] == "keywords not in content"
        assert await messages(alice, g["id"]) == []
        # Signed correctly, with a '+' that arrived as a space: accepted.
        ok = signed(path(signed_robot), secret)
        assert (await send(client, ok, TEXT))["errcode"] == 0
        assert (await send(client, ok, TEXT))["errcode"] == 0  # a reused pair is not a replay
        # A wrong method is answered in DingTalk's form too (openapi_compat.errors), not sent.
        r = await client.get(path(kw))
        assert r.status_code == 200 and r.json()["errcode"] != 0

    async def test_keyword_found_in_markdown_title_and_card_buttons(self, cast, client):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        robot = await add_robot(alice, g["id"], keywords=["发布"])
        md = {"msgtype": "markdown", "markdown": {"title": "发布通知", "text": "## v1.2\n- 修复"}}
        card = {"msgtype": "actionCard", "actionCard": {"title": "版本", "text": "说明", "btns": [{"title": "去发布", "actionURL": "https://ci"}]}}
        assert (await send(client, path(robot), md))["errcode"] == 0
        assert (await send(client, path(robot), card))["errcode"] == 0

    async def test_twenty_a_minute_then_a_ten_minute_pause(self, cast, client, robot_limits):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        robot = await add_robot(alice, g["id"], keywords=["告警"])
        other = await add_robot(alice, g["id"], name="另一个", keywords=["告警"])
        with time_machine.travel(utc_now(), tick=False) as traveller:
            answers = [await send(client, path(robot), TEXT) for _ in range(22)]
            assert [a["errcode"] for a in answers] == [0] * 20 + [130101, 130101]
            assert answers[20]["errmsg"] == "send too fast, exceed 20 times per minute"
            assert (await send(client, path(other), TEXT))["errcode"] == 0  # per robot
            traveller.shift(timedelta(minutes=5))
            assert (await send(client, path(robot), TEXT))["errcode"] == 130101  # still paused
            traveller.shift(timedelta(minutes=5, seconds=1))
            assert (await send(client, path(robot), TEXT))["errcode"] == 0
        assert len(await messages(alice, g["id"])) == 22
        robot_limits.rate_per_minute = 0  # lifted (benchmarks)
        for _ in range(25):
            assert (await send(client, path(other), TEXT))["errcode"] == 0

    async def test_robot_cannot_reach_another_org(self, cast, client):
        alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
        g = await group(alice, bob)
        robot = await add_robot(alice, g["id"], keywords=["告警"])
        dg = await dave.post(dave.org("/conversations"), json={"name": "globex", "member_ids": []}, expect=201)
        body = {"msgtype": "text", "text": {"content": "告警 @13900000004"}, "at": {"atMobiles": ["13900000004"], "atUserIds": [str(dave.member_id)]}}
        assert (await send(client, path(robot), body))["errcode"] == 0
        [m] = await messages(alice, g["id"])
        assert m["mention_member_ids"] == []
        assert await messages(dave, dg["id"]) == []
        # Dave's own robot posts only into his group.
        drobot = await add_robot(dave, dg["id"], keywords=["告警"])
        assert (await send(client, path(drobot), TEXT))["errcode"] == 0
        assert len(await messages(alice, g["id"])) == 1 and len(await messages(dave, dg["id"])) == 1

    async def test_dissolved_group_stops_the_robot(self, cast, client):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        robot = await add_robot(alice, g["id"], keywords=["告警"])
        await alice.post(alice.org(f"/conversations/{g['id']}/dissolve"), expect=None)
        answer = await send(client, path(robot), TEXT)
        assert answer["errcode"] == 400102, answer
