"""Outgoing robots: a member @-mentions a robot, the message goes to the robot's callback URL
(a real HTTP receiver) through a durable job, signed as DingTalk signs; a reply through the
sessionWebhook (or in the callback's answer) lands in the group."""

import base64
import hashlib
import hmac
from datetime import timedelta

import httpx
import time_machine
from sqlalchemy import select

from tack.core.clock import utc_now
from tack.storage.jobs_table import Job
from tests.chat.conftest import send
from tests.compat.robots.conftest import add_robot, group, messages, run_all


def local(url: str, base_url: str) -> str:
    return base_url + url[url.index("/robot/") :]


async def outgoing_jobs(app) -> list[Job]:  # type: ignore[no-untyped-def]
    async with app.state.uow_factory() as uow:
        return list((await uow.session.execute(select(Job).where(Job.name == "robots.outgoing"))).scalars())


async def test_mention_reaches_the_callback_and_the_session_reply_lands(cast, app, base_url, receiver, runner, robot_limits):
    robot_limits.public_url = base_url
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    g = await group(alice, bob, carol)
    robot = await add_robot(alice, g["id"], name="小助手", keywords=["x"], outgoing_url=receiver.url)
    assert robot["outgoing_token"]
    await send(bob, g["id"], "今天天气不错")  # no mention: nothing queued
    await send(bob, g["id"], "@小助手 查一下 构建状态", mention_member_ids=[carol.member_id])
    assert len(await outgoing_jobs(app)) == 1
    await run_all(runner)
    [call] = receiver.calls
    headers, payload = call["headers"], call["json"]
    key = robot["outgoing_token"]
    expected = base64.b64encode(hmac.new(key.encode(), f"{headers['timestamp']}\n{key}".encode(), hashlib.sha256).digest()).decode()
    assert headers["sign"] == expected and headers["token"] == key
    assert payload["msgtype"] == "text" and payload["text"]["content"] == "查一下 构建状态"
    assert payload["senderStaffId"] == str(bob.member_id) and payload["senderNick"] == "bob"
    assert payload["conversationType"] == "2" and payload["conversationTitle"] == "项目群"
    assert payload["isInAtList"] is True and {"dingtalkId": str(carol.member_id), "staffId": str(carol.member_id)} in payload["atUsers"]
    assert payload["sessionWebhookExpiredTime"] - payload["createAt"] == 90 * 60 * 1000
    # The integration answers through the session webhook (as the stream SDK's reply_text does).
    reply = {"msgtype": "text", "text": {"content": "构建通过 @%d" % bob.member_id}, "at": {"atUserIds": [payload["senderStaffId"]]}}
    async with httpx.AsyncClient() as http:
        r = await http.post(local(payload["sessionWebhook"], base_url), json=reply)
        assert r.status_code == 200 and r.json() == {"errcode": 0, "errmsg": "ok"}
        got = await messages(alice, g["id"])
        assert got[-1]["content"]["robot"]["name"] == "小助手" and got[-1]["content"]["text"] == "构建通过 @bob"
        assert got[-1]["mention_member_ids"] == [bob.member_id]
        # Tampered, or expired after its 90 minutes: refused.
        bad = local(payload["sessionWebhook"], base_url)[:-3] + "abc"
        assert (await http.post(bad, json=reply)).json()["errcode"] == 300005
        with time_machine.travel(utc_now() + timedelta(minutes=91)):
            assert (await http.post(local(payload["sessionWebhook"], base_url), json=reply)).json()["errcode"] == 300005
        # Turning outgoing off ends every session.
        await alice.patch(alice.org(f"/conversations/{g['id']}/robots/{robot['id']}"), json={"outgoing_url": ""})
        assert (await http.post(local(payload["sessionWebhook"], base_url), json=reply)).json()["errcode"] == 300005
    assert len(await messages(alice, g["id"])) == 3


async def test_callback_down_is_retried_and_its_answer_is_posted(cast, app, receiver, runner):
    alice, bob = cast["alice"], cast["bob"]
    g = await group(alice, bob)
    robot = await add_robot(alice, g["id"], name="值班", sign=True, outgoing_url=receiver.url)
    receiver.status = 503
    await send(bob, g["id"], "@值班 服务挂了")
    await run_all(runner)
    [job] = await outgoing_jobs(app)
    assert job.status == "queued" and job.attempts == 1 and "503" in (job.last_error or "")
    receiver.status, receiver.reply = 200, {"msgtype": "markdown", "markdown": {"title": "收到", "text": "**已收到**，处理中"}}
    with time_machine.travel(utc_now() + timedelta(minutes=2)):
        await run_all(runner)
    assert len(receiver.calls) == 2
    # Signed with the robot's 加签 secret when it has one.
    headers = receiver.calls[1]["headers"]
    key = robot["secret"]
    assert headers["sign"] == base64.b64encode(hmac.new(key.encode(), f"{headers['timestamp']}\n{key}".encode(), hashlib.sha256).digest()).decode()
    [job] = await outgoing_jobs(app)
    assert job.status == "done"
    last = (await messages(bob, g["id"]))[-1]
    assert last["kind"] == "markdown" and last["content"]["text"] == "**已收到**，处理中"


async def test_other_groups_and_orgs_do_not_trigger_the_robot(cast, app, receiver, runner):
    alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
    g = await group(alice, bob)
    other = await group(alice, bob, name="别的群")
    await add_robot(alice, g["id"], name="值班", keywords=["x"], outgoing_url=receiver.url)
    await send(bob, other["id"], "@值班 在吗")
    dg = await dave.post(dave.org("/conversations"), json={"name": "globex", "member_ids": []}, expect=201)
    await send(dave, dg["id"], "@值班 在吗")
    assert await outgoing_jobs(app) == []
    await run_all(runner)
    assert receiver.calls == []
