"""DING create over DingTalk's API: the real dingtalk-sdk's dingtalk_oapi_ding_create (TOP) and
/topapi/ding/create, through DING's own send (the org's DING settings apply to the creator),
DingTalk's codes for bad input, another organization's app reaching nobody."""

import pytest
from dingtalk.core.exceptions import DingTalkClientException

from tests.compat.conftest import sdk_client
from tests.compat.helpers import create_app, gettoken


async def test_sdk_sends_a_ding_the_recipients_see(server, cast):
    alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
    app = await create_app(alice, scopes=["ding.send"])
    client = sdk_client(server, app)
    result = client.tbdingding.dingtalk_oapi_ding_create(
        str(alice.member_id), f"{bob.member_id},{carol.member_id}", 1, 0, "服务器告警，请立即处理"
    )
    ding_id = result["open_ding_id"]  # the SDK descends into `result`
    pending = (await bob.get(bob.org("/dings/pending")))["items"]
    assert [(str(d["ding_id"]), d["text"], d["sender_member_id"]) for d in pending] == [(ding_id, "服务器告警，请立即处理", alice.member_id)]
    assert [d["ding_id"] for d in (await carol.get(carol.org("/dings/pending")))["items"]] == [int(ding_id)]
    assert (await alice.get(alice.org("/dings/pending")))["items"] == []

    def fails(*args):  # type: ignore[no-untyped-def]
        with pytest.raises(DingTalkClientException) as failed:
            client.tbdingding.dingtalk_oapi_ding_create(*args)
        return failed.value

    assert fails("424242", str(bob.member_id), 1, 0, "x").errcode == 15  # unknown creator (60121)
    assert fails(str(alice.member_id), str(dave.member_id), 1, 0, "x").errcode == 15  # another org's member
    assert fails(str(alice.member_id), "", 1, 0, "x").errcode == 40  # no receivers
    assert fails(str(alice.member_id), str(bob.member_id), 9, 0, "x").errcode == 41  # remind_type
    assert fails(str(alice.member_id), str(bob.member_id), 1, 0, "").errcode == 40  # no text
    assert [d["ding_id"] for d in (await bob.get(bob.org("/dings/pending")))["items"]] == [int(ding_id)]  # nothing more sent

    theirs = sdk_client(server, await create_app(dave, scopes=["ding.send"]))
    with pytest.raises(DingTalkClientException):
        theirs.tbdingding.dingtalk_oapi_ding_create(str(dave.member_id), str(bob.member_id), 1, 0, "x")
    assert [d["ding_id"] for d in (await bob.get(bob.org("/dings/pending")))["items"]] == [int(ding_id)]


async def test_topapi_ding_create_and_scope(client, cast):
    alice, bob = cast["alice"], cast["bob"]
    app = await create_app(alice, scopes=["ding.send"])
    token = await gettoken(client, app)
    r = await client.post("/topapi/ding/create", params={"access_token": token},
                          json={"creator_userid": str(alice.member_id), "receiver_userids": str(bob.member_id), "remind_type": 1,
                                "text_content": "开会", "attachment": {"url": "https://example.com/agenda"}})
    assert r.json()["errcode"] == 0, r.text
    ding = (await bob.get(bob.org("/dings/pending")))["items"][0]
    assert ding["text"] == "开会" and ding["attachment"] == "https://example.com/agenda"
    plain = await gettoken(client, await create_app(alice, name="无权限", scopes=["contact.read"]))
    r = await client.post("/topapi/ding/create", params={"access_token": plain}, json={})
    assert r.json()["errcode"] == 88
