"""The app robot's /v1.0 API on the wire as the official SDK (robot_1_0) sends it: group send
through the app's robot in a group, one-to-one batch send into members' 工作通知 with read
status, DingTalk's 4xx codes for bad input, and another organization's app reaching nothing."""

import json
from typing import Any

from tests.chat.conftest import group
from tests.compat.conftest import run_jobs  # noqa: F401  (fixture)
from tests.compat.helpers import create_app, gettoken


async def _setup(client: Any, cast: Any) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    app = await create_app(alice, name="运维助手", scopes=["robot.send"])
    g = await group(alice, bob, carol)
    await alice.post(alice.org(f"/conversations/{g['id']}/robots"), json={"name": "运维助手", "keywords": ["告警"], "app_id": app["id"]}, expect=201)
    return app, {"x-acs-dingtalk-access-token": await gettoken(client, app)}, g


async def _messages(api: Any, conversation_id: int) -> list[dict[str, Any]]:
    page = await api.get(api.org(f"/conversations/{conversation_id}/messages"), params={"limit": 100})
    return [m for m in page["items"] if m["kind"] != "system"]


async def test_group_send_through_the_apps_robot(client, cast):
    alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
    app, headers, g = await _setup(client, cast)
    body = {"robotCode": app["app_key"], "openConversationId": f"cid{g['id']}", "msgKey": "sampleMarkdown",
            "msgParam": json.dumps({"title": "告警", "text": "## CPU 95%"}, ensure_ascii=False)}
    r = await client.post("/v1.0/robot/groupMessages/send", headers=headers, json=body)
    assert r.status_code == 200 and r.json()["processQueryKey"].startswith("msg"), r.text
    last = (await _messages(bob, g["id"]))[-1]
    assert last["kind"] == "markdown" and last["content"]["robot"]["name"] == "运维助手" and "CPU 95%" in last["content"]["text"]
    # No keyword check on the app's API (its token stands for the robot's security settings).
    r = await client.post("/v1.0/robot/groupMessages/send", headers=headers,
                          json={**body, "msgKey": "sampleActionCard2", "msgParam": json.dumps({"title": "t", "text": "x", "actionTitle1": "看", "actionURL1": "https://e.x/1", "actionTitle2": "忽略", "actionURL2": "https://e.x/2"})})
    assert r.status_code == 200
    card = (await _messages(bob, g["id"]))[-1]
    assert [b["title"] for b in card["content"]["buttons"]] == ["看", "忽略"]

    before = len(await _messages(alice, g["id"]))
    for changed, code in (
        ({"robotCode": "someone-else"}, "invalidParameter.robotCode.invalid"),
        ({"openConversationId": "cid999999"}, "invalidParameter.openConversationId.notExist"),
        ({"openConversationId": "nope"}, "invalidParameter.openConversationId.notExist"),
        ({"msgKey": "sampleVideo"}, "invalidParameter.msgKey.notSupported"),
        ({"msgParam": "{not json"}, "invalidParameter.msgParam"),
        ({"msgParam": "[1]"}, "invalidParameter.msgParam.invalid"),
    ):
        r = await client.post("/v1.0/robot/groupMessages/send", headers=headers, json={**body, **changed})
        assert r.status_code == 400 and r.json()["code"].startswith(code), (changed, r.text)
    r = await client.post("/v1.0/robot/groupMessages/send", json=body)
    assert r.status_code == 400 and r.json()["code"] == "AuthenticationFailed.MissingParameter"
    # A group without the app's robot, and another org's app naming acme's group: refused.
    other = await group(alice, bob, name="无机器人群")
    r = await client.post("/v1.0/robot/groupMessages/send", headers=headers, json={**body, "openConversationId": f"cid{other['id']}"})
    assert r.status_code == 400
    theirs = await create_app(dave, scopes=["robot.send"])
    r = await client.post("/v1.0/robot/groupMessages/send", headers={"x-acs-dingtalk-access-token": await gettoken(client, theirs)},
                          json={**body, "robotCode": theirs["app_key"]})
    assert r.status_code == 400 and r.json()["code"] == "invalidParameter.openConversationId.notExist"
    assert len(await _messages(alice, g["id"])) == before
    plain = await create_app(alice, name="无权限", scopes=["contact.read"])
    r = await client.post("/v1.0/robot/groupMessages/send", headers={"x-acs-dingtalk-access-token": await gettoken(client, plain)}, json=body)
    assert r.status_code == 403


async def test_one_to_one_batch_send_and_read_status(client, cast, run_jobs):  # noqa: F811
    alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
    app, headers, _ = await _setup(client, cast)
    body = {"robotCode": app["app_key"], "userIds": [str(bob.member_id), str(carol.member_id), str(dave.member_id)],
            "msgKey": "sampleText", "msgParam": json.dumps({"content": "你的工单已处理"}, ensure_ascii=False)}
    r = await client.post("/v1.0/robot/oToMessages/batchSend", headers=headers, json=body)
    assert r.status_code == 200, r.text
    sent = r.json()
    assert sent["invalidStaffIdList"] == [str(dave.member_id)]  # another org's member
    await run_jobs()
    notice = next(c for c in (await bob.get(bob.org("/conversations")))["items"] if c["kind"] == "work_notice")
    last = (await bob.get(bob.org(f"/conversations/{notice['id']}/messages")))["items"][-1]
    assert last["content"]["text"] == "你的工单已处理" and last["content"]["app"] == "运维助手"
    await bob.post(bob.org(f"/conversations/{notice['id']}/read"), json={"seq": last["seq"]})
    r = await client.get("/v1.0/robot/oToMessages/readStatus", headers=headers,
                         params={"robotCode": app["app_key"], "processQueryKey": sent["processQueryKey"]})
    status = r.json()
    assert status["sendStatus"] == "COMPLETE"
    assert sorted((i["userId"], i["readStatus"]) for i in status["messageReadInfoList"]) == sorted(
        [(str(bob.member_id), "READ"), (str(carol.member_id), "UNREAD")])
    assert not [c for c in (await dave.get(dave.org("/conversations")))["items"] if c["kind"] == "work_notice"]

    r = await client.post("/v1.0/robot/oToMessages/batchSend", headers=headers, json={**body, "userIds": [str(i) for i in range(1, 25)]})
    assert r.status_code == 400 and r.json()["code"].startswith("invalidParameter.userIds")
    r = await client.post("/v1.0/robot/oToMessages/batchSend", headers=headers, json={**body, "userIds": []})
    assert r.status_code == 400 and r.json()["code"] == "MissingParameter.userIds"
    r = await client.post("/v1.0/robot/oToMessages/batchSend", headers=headers, json={**body, "msgKey": "sampleImageMsg", "msgParam": "{}"})
    assert r.status_code == 400 and r.json()["code"] == "invalidParameter.msgKey.notSupported"
    r = await client.get("/v1.0/robot/oToMessages/readStatus", headers=headers, params={"robotCode": app["app_key"], "processQueryKey": "99999"})
    assert r.status_code == 404
