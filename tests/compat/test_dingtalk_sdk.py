"""The real, unmodified PyPI `dingtalk-sdk` (1.3.8) against a running Tack server: tokens,
users, departments, work notifications, and the error paths it must not loop on."""

from datetime import timedelta

import pytest
import time_machine
from dingtalk.core.exceptions import DingTalkClientException
from dingtalk.model.message import MarkdownBody, OaBody, OaBodyContent, SingleActionCardBody, TextBody

from tack.core.clock import utc_now
from tests.compat.conftest import sdk_client
from tests.compat.helpers import create_app, gettoken


async def test_token_users_and_departments(server, cast):
    alice, bob = cast["alice"], cast["bob"]
    app = await create_app(alice, scopes=["contact.read", "contact.mobile"])
    client = sdk_client(server, app)
    token = client.access_token
    assert token and client.access_token == token  # cached by the SDK, as against DingTalk

    user = client.user.get(str(bob.member_id))
    assert user["userid"] == str(bob.member_id) and user["name"] == "bob"
    assert user["mobile"] == "13900000002" and user["department"] == [bob.refs["rd"]]
    assert user["isAdmin"] is False and user["unionid"] != user["userid"]
    owner = client.user.get(str(alice.member_id))
    assert owner["isAdmin"] is True and owner["isBoss"] is True and owner["department"] == [1]

    assert client.user.get_userid_by_unionid(user["unionid"])["userid"] == user["userid"]

    listed = client.user.list(bob.refs["rd"])
    assert sorted(u["name"] for u in listed["userlist"]) == ["bob", "eve"] and listed["hasMore"] is False
    page = client.user.list(bob.refs["rd"], offset=0, size=1)
    assert len(page["userlist"]) == 1 and page["hasMore"] is True
    simple = client.user.simple_list(bob.refs["mk"])
    assert simple["userlist"] == [{"userid": str(cast["carol"].member_id), "name": "carol"}]
    assert client.user.get_org_user_count(False) == 4
    assert sorted(client.user.get_dept_member(bob.refs["rd"])) == sorted([str(bob.member_id), str(cast["eve"].member_id)])

    departments = client.department.list()  # id=1: the root, DingTalk's convention
    assert {d["name"] for d in departments} == {"研发部", "市场部"}
    assert all(d["parentid"] == 1 for d in departments)
    assert sorted(client.department.list_ids(1)) == sorted([bob.refs["rd"], bob.refs["mk"]])
    root = client.department.get(1)
    assert root["id"] == 1 and "parentid" not in root
    rd = client.department.get(bob.refs["rd"])
    assert rd["name"] == "研发部" and rd["parentid"] == 1


async def test_client_errors_are_dingtalk_codes_and_never_loop(server, cast):
    alice = cast["alice"]
    app = await create_app(alice, scopes=["message.work_notice"])
    client = sdk_client(server, app)
    with pytest.raises(DingTalkClientException) as failed:
        client.user.get(str(alice.member_id))  # the app lacks contact.read
    assert failed.value.errcode == 88
    await alice.patch(alice.org(f"/apps/{app['id']}"), json={"scopes": ["contact.read"]})
    for missing in ("999999", "abc", str(cast["dave"].member_id)):
        with pytest.raises(DingTalkClientException) as failed:
            client.user.get(missing)
        assert failed.value.errcode == 60121
    with pytest.raises(DingTalkClientException) as failed:
        client.department.get(cast["dave"].refs["globex_root"])  # another org's department
    assert failed.value.errcode == 60003
    with pytest.raises(DingTalkClientException) as failed:
        client.bpms.processinstance_get("abc")  # the app lacks workflow.instance
    assert failed.value.errcode == 15

    wrong = sdk_client(server, {**app, "app_secret": "wrong"})
    with pytest.raises(DingTalkClientException) as failed:
        wrong.user.get(str(alice.member_id))
    assert failed.value.errcode == 40096


async def test_expired_token_is_refreshed_once(server, cast):
    alice = cast["alice"]
    app = await create_app(alice)
    client = sdk_client(server, app)
    stale = client.access_token
    with time_machine.travel(utc_now() + timedelta(seconds=7300)):
        # A client whose cache outlived the token: the server says 42001, the SDK refreshes.
        client.cache.access_token.set(value=stale, ttl=7200)
        assert client.user.get(str(alice.member_id))["name"] == "Alice 艾丽斯"
        assert client.access_token != stale


async def test_work_notification_reaches_chat_with_progress_and_result(server, cast, run_jobs):
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    app = await create_app(alice, name="审批助手")
    client = sdk_client(server, app)
    task_id = client.message.asyncsend_v2(
        TextBody("明天 9:00 全员大会"), app["agent_id"], userid_list=[str(bob.member_id), str(carol.member_id), "424242"]
    )
    assert isinstance(task_id, int)
    assert client.message.getsendprogress(app["agent_id"], task_id) == {"progress_in_percent": 0, "status": 0}
    assert await run_jobs() >= 1
    assert client.message.getsendprogress(app["agent_id"], task_id) == {"progress_in_percent": 100, "status": 2}

    conversations = (await bob.get(bob.org("/conversations")))["items"]
    notice = next(c for c in conversations if c["kind"] == "work_notice")
    assert notice["name"] == "工作通知" and notice["unread_count"] == 1
    messages = (await bob.get(bob.org(f"/conversations/{notice['id']}/messages")))["items"]
    assert messages[-1]["content"] == {"text": "明天 9:00 全员大会", "app": "审批助手"}
    assert messages[-1]["sender_member_id"] is None
    # Nobody writes into a work-notification conversation.
    await bob.post(bob.org(f"/conversations/{notice['id']}/messages"), json={"text": "hi"}, expect=403)

    result = client.message.getsendresult(app["agent_id"], task_id)
    assert result["invalid_user_id_list"] == ["424242"]
    assert sorted(result["unread_user_id_list"]) == sorted([str(bob.member_id), str(carol.member_id)])
    await bob.post(bob.org(f"/conversations/{notice['id']}/read"), json={"seq": messages[-1]["seq"]})
    result = client.message.getsendresult(app["agent_id"], task_id)
    assert result["read_user_id_list"] == [str(bob.member_id)]
    assert result["unread_user_id_list"] == [str(carol.member_id)]
    # alice was not a recipient.
    assert not [c for c in (await alice.get(alice.org("/conversations")))["items"] if c["kind"] == "work_notice"]


async def test_work_notification_to_departments_and_everyone(server, cast, run_jobs):
    alice, bob, carol, eve, dave = cast["alice"], cast["bob"], cast["carol"], cast["eve"], cast["dave"]
    app = await create_app(alice)
    client = sdk_client(server, app)
    body = MarkdownBody("周报", "## 本周\n- 发布 1.0")
    task = client.message.asyncsend_v2(body, app["agent_id"], dept_id_list=[bob.refs["rd"], 987654321])
    await run_jobs()
    result = client.message.getsendresult(app["agent_id"], task)
    assert sorted(result["unread_user_id_list"]) == sorted([str(bob.member_id), str(eve.member_id)])
    assert result["invalid_dept_id_list"] == [987654321]

    card = SingleActionCardBody("请审批", "报销 **300 元**", "去处理", "https://example.com/a")
    task = client.message.asyncsend_v2(card, app["agent_id"], to_all_user=True)
    await run_jobs()
    result = client.message.getsendresult(app["agent_id"], task)
    everyone = [alice, bob, carol, eve]
    assert sorted(result["unread_user_id_list"]) == sorted(str(p.member_id) for p in everyone)
    for person in everyone:
        notice = next(c for c in (await person.get(person.org("/conversations")))["items"] if c["kind"] == "work_notice")
        last = (await person.get(person.org(f"/conversations/{notice['id']}/messages")))["items"][-1]
        assert last["kind"] == "card" and last["content"]["buttons"][0]["url"] == "https://example.com/a"
    # globex's owner got nothing: an app sees one organization only.
    assert not [c for c in (await dave.get(dave.org("/conversations")))["items"] if c["kind"] == "work_notice"]

    oa = OaBody("https://example.com/oa", "FFBBBBBB", "审批", OaBodyContent(title="出差申请", content="北京 3 天", forms={"申请人：": "bob"}))
    task = client.message.asyncsend_v2(oa, app["agent_id"], userid_list=[str(bob.member_id)])
    await run_jobs()
    notice = next(c for c in (await bob.get(bob.org("/conversations")))["items"] if c["kind"] == "work_notice")
    last = (await bob.get(bob.org(f"/conversations/{notice['id']}/messages")))["items"][-1]
    assert last["content"]["title"] == "出差申请" and "申请人：bob" in last["content"]["text"]


async def test_work_notification_bad_input(server, cast, client):
    alice = cast["alice"]
    app = await create_app(alice)
    other = await create_app(alice, name="另一个应用")
    sdk = sdk_client(server, app)
    with pytest.raises(DingTalkClientException) as failed:
        sdk.message.asyncsend_v2(TextBody("hi"), other["agent_id"], to_all_user=True)  # not its agent
    assert failed.value.errcode == 41
    with pytest.raises(DingTalkClientException) as failed:
        sdk.message.asyncsend_v2(TextBody("hi"), app["agent_id"])  # nobody to send to
    assert failed.value.errcode == 41
    with pytest.raises(DingTalkClientException) as failed:
        sdk.message.asyncsend_v2({"msgtype": "image", "image": {"media_id": "@x"}}, app["agent_id"], to_all_user=True)
    assert failed.value.errcode == 41
    with pytest.raises(DingTalkClientException) as failed:
        sdk.message.getsendprogress(app["agent_id"], 987654)
    assert failed.value.errcode not in (33001, 40001, 42001, 40014)
    # Another app of the same org cannot read this app's task.
    task = sdk.message.asyncsend_v2(TextBody("hi"), app["agent_id"], to_all_user=True)
    with pytest.raises(DingTalkClientException):
        sdk_client(server, other).message.getsendprogress(other["agent_id"], task)
    # A bad session on TOP is code 27 (the SDK's retry path is broken for oapi token codes).
    r = await client.post("/router/rest", params={"method": "dingtalk.oapi.message.corpconversation.asyncsend_v2", "session": "bad"})
    assert r.status_code == 200 and r.json()["error_response"]["code"] == 27
    r = await client.post("/router/rest", params={"method": "no.such.method", "session": await gettoken(client, app)})
    assert r.json()["error_response"]["code"] == 22
    r = await client.post("/router/rest")
    assert r.json()["error_response"]["code"] == 21
