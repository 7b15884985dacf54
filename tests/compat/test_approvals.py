"""Approval instances over the DingTalk API: the real dingtalk-sdk (TOP methods) for create,
get, listids and list; /topapi and /v1.0/workflow over HTTP; DingTalk's codes for bad input;
another organization's app sees nothing."""

import json
import time
from typing import Any

import pytest
from dingtalk.core.exceptions import DingTalkClientException

from tests.compat.conftest import sdk_client
from tests.compat.helpers import create_app, gettoken

SCOPES = ["workflow.instance", "contact.read"]


def _code(client: Any, userid: str, name: str) -> str:
    listed = client.bpms.process_listbyuserid(userid)
    return next(p["process_code"] for p in listed["process_list"] if p["name"] == name)


async def test_sdk_create_get_list_follow_the_request(server, cast):
    alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
    app = await create_app(alice, scopes=SCOPES)
    client = sdk_client(server, app)
    code = _code(client, str(bob.member_id), "通用审批")
    assert code.startswith("PROC-")
    started = int(time.time() * 1000) - 1000

    instance_id = client.bpms.processinstance_create(
        code, str(bob.member_id), bob.refs["rd"],
        approvers=[str(carol.member_id), str(eve.member_id)],
        form_component_values={"申请事项": "买一台显示器", "详细说明": "旧的坏了"},
        cc_list=[str(alice.member_id)], cc_finish=True,
    )
    assert isinstance(instance_id, str) and instance_id.isdigit()

    got = client.bpms.processinstance_get(instance_id)
    assert got["status"] == "RUNNING" and got["result"] == "" and got["process_code"] == code
    assert got["originator_userid"] == str(bob.member_id) and got["originator_dept_id"] == str(bob.refs["rd"])
    assert got["approver_userid_list"] == [str(carol.member_id), str(eve.member_id)]
    assert {c["name"]: c["value"] for c in got["form_component_values"]}["申请事项"] == "买一台显示器"
    assert [(t["userid"], t["task_status"]) for t in got["tasks"]] == [(str(carol.member_id), "RUNNING")]
    assert got["operation_records"][0]["operation_type"] == "START_PROCESS_INSTANCE"
    assert got["cc_userid_list"] == []  # CC on finish only

    # The request is Tack's own: the approvers decide in Tack, the API sees each step.
    await carol.post(carol.org(f"/approval/instances/{instance_id}/approve"), json={"comment": "同意"})
    await eve.post(eve.org(f"/approval/instances/{instance_id}/approve"), json={})
    got = client.bpms.processinstance_get(instance_id)
    assert got["status"] == "COMPLETED" and got["result"] == "agree" and got["finish_time"]
    assert [(t["userid"], t["task_result"]) for t in got["tasks"]] == [(str(carol.member_id), "AGREE"), (str(eve.member_id), "AGREE")]
    agreed = [r for r in got["operation_records"] if r["operation_type"] == "EXECUTE_TASK_NORMAL"]
    assert [(r["userid"], r["remark"]) for r in agreed] == [(str(carol.member_id), "同意"), (str(eve.member_id), "")]
    assert got["cc_userid_list"] == [str(alice.member_id)]
    assert client.tbdingding.dingtalk_oapi_processinstance_get(instance_id)["process_instance"]["status"] == "COMPLETED"

    second = client.bpms.processinstance_create(code, str(carol.member_id), -1, approvers=[str(bob.member_id)],
                                                form_component_values={"申请事项": "出差", "详细说明": "上海"})
    now = int(time.time() * 1000) + 1000
    listed = client.bpms.processinstance_listids(code, started, now)
    assert listed["list"] == [second, instance_id] and "next_cursor" not in listed
    page = client.bpms.processinstance_listids(code, started, now, size=1)
    assert page["list"] == [second]
    assert client.bpms.processinstance_listids(code, started, now, size=1, cursor=page["next_cursor"])["list"] == [instance_id]
    assert client.bpms.processinstance_listids(code, started, now, userid_list=[str(bob.member_id)])["list"] == [instance_id]
    assert client.bpms.processinstance_listids(code, now, now + 1000)["list"] == []
    full = client.bpms.processinstance_list(code, started, now)
    assert [i["process_instance_id"] for i in full["result"]["list"]["process_instance_top_vo"]] == [second, instance_id]


async def test_sdk_leave_with_half_days_and_or_sign(server, cast):
    alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
    app = await create_app(alice, scopes=SCOPES)
    client = sdk_client(server, app)
    code = _code(client, str(bob.member_id), "请假")
    instance_id = client.bpms.processinstance_create(
        code, str(bob.member_id), bob.refs["rd"],
        approvers_v2=[{"task_action_type": "OR", "user_ids": [str(carol.member_id), str(eve.member_id)]}],
        form_component_values={"请假类型": "事假", "请假时间": json.dumps(["2026-12-07 下午", "2026-12-08 下午"]), "请假事由": "搬家"},
    )
    got = client.bpms.processinstance_get(instance_id)
    values = {c["name"]: c for c in got["form_component_values"]}
    assert json.loads(values["请假时间"]["value"]) == ["2026-12-07 下午", "2026-12-08 下午", 1.5, "day"]
    assert values["请假时间"]["component_type"] == "DDDateRangeField"
    assert sorted(t["userid"] for t in got["tasks"]) == sorted([str(carol.member_id), str(eve.member_id)])
    await eve.post(eve.org(f"/approval/instances/{instance_id}/reject"), json={"comment": "人手不够"})
    got = client.bpms.processinstance_get(instance_id)
    assert (got["status"], got["result"]) == ("COMPLETED", "refuse")
    assert {t["userid"]: t["task_status"] for t in got["tasks"]}[str(carol.member_id)] == "CANCELED"


async def test_sdk_bad_input_answers_dingtalk_codes(server, cast):
    alice, bob = cast["alice"], cast["bob"]
    app = await create_app(alice, scopes=SCOPES)
    client = sdk_client(server, app)
    code = _code(client, str(bob.member_id), "通用审批")
    form = {"申请事项": "a", "详细说明": "b"}

    def fails(call: Any) -> DingTalkClientException:
        with pytest.raises(DingTalkClientException) as failed:
            call()
        return failed.value

    # Unknown template, unknown originator, someone else's department, unknown control, a
    # required control left out, an unknown approver, an unusable attachment value.
    assert "process_code" in str(fails(lambda: client.bpms.processinstance_create("PROC-NOPE", str(bob.member_id), -1, form_component_values=form)).errmsg)
    assert fails(lambda: client.bpms.processinstance_create("PROC-TACK-99999", str(bob.member_id), -1, form_component_values=form)).errcode == 15
    assert fails(lambda: client.bpms.processinstance_create(code, "424242", -1, form_component_values=form)).errcode == 15
    assert fails(lambda: client.bpms.processinstance_create(code, str(bob.member_id), bob.refs["mk"], form_component_values=form)).errcode == 41
    assert "没有名为" in fails(lambda: client.bpms.processinstance_create(code, str(bob.member_id), -1, form_component_values={**form, "颜色": "红"})).errmsg
    assert "详细说明" in fails(lambda: client.bpms.processinstance_create(code, str(bob.member_id), -1, form_component_values={"申请事项": "a"})).errmsg
    assert fails(lambda: client.bpms.processinstance_create(code, str(bob.member_id), -1, approvers=["424242"], form_component_values=form)).errcode == 15
    assert fails(lambda: client.bpms.processinstance_create(code, str(bob.member_id), -1, form_component_values={**form, "附件": "[1]"})).errcode == 41
    assert fails(lambda: client.bpms.processinstance_get("12345678")).errcode == 15
    assert fails(lambda: client.bpms.processinstance_get("abc")).errcode == 15
    assert fails(lambda: client.bpms.processinstance_listids(code, 0, 200 * 86400 * 1000)).errcode == 41
    # Nothing was written by any of them.
    assert (await alice.get(alice.org("/approval/admin/instances")))["items"] == []

    # An app without the approval scope is refused, and never with a code that loops.
    plain = sdk_client(server, await create_app(alice, name="只读", scopes=["contact.read"]))
    assert fails(lambda: plain.bpms.processinstance_get("1")).errcode == 15


async def test_another_org_sees_nothing(server, cast):
    alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
    ours = sdk_client(server, await create_app(alice, scopes=SCOPES))
    code = _code(ours, str(bob.member_id), "通用审批")
    instance_id = ours.bpms.processinstance_create(code, str(bob.member_id), -1, approvers=[str(alice.member_id)],
                                                  form_component_values={"申请事项": "a", "详细说明": "b"})
    theirs = sdk_client(server, await create_app(dave, scopes=SCOPES))
    for call in (
        lambda: theirs.bpms.processinstance_get(instance_id),
        lambda: theirs.bpms.processinstance_listids(code, int(time.time() * 1000) - 60000, int(time.time() * 1000) + 1000),
        lambda: theirs.bpms.processinstance_create(code, str(dave.member_id), -1, form_component_values={"申请事项": "a", "详细说明": "b"}),
        lambda: theirs.bpms.processinstance_create(_code(theirs, str(dave.member_id), "通用审批"), str(bob.member_id), -1,
                                                   form_component_values={"申请事项": "a", "详细说明": "b"}),
    ):
        with pytest.raises(DingTalkClientException):
            call()
    own = _code(theirs, str(dave.member_id), "通用审批")
    assert theirs.bpms.processinstance_listids(own, int(time.time() * 1000) - 60000, int(time.time() * 1000) + 1000)["list"] == []


async def test_topapi_and_v1_workflow(client, cast):
    alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
    app = await create_app(alice, scopes=SCOPES)
    token = await gettoken(client, app)
    r = await client.post("/topapi/process/listbyuserid", params={"access_token": token}, json={"userid": str(bob.member_id)})
    code = next(p["process_code"] for p in r.json()["result"]["process_list"] if p["name"] == "通用审批")
    body = {"process_code": code, "originator_user_id": str(bob.member_id), "dept_id": -1,
            "approvers": str(carol.member_id), "form_component_values": [{"name": "申请事项", "value": "a"}, {"name": "详细说明", "value": "b"}]}
    r = await client.post("/topapi/processinstance/create", params={"access_token": token}, json=body)
    assert r.json()["errcode"] == 0, r.text
    instance_id = r.json()["process_instance_id"]
    r = await client.post("/topapi/processinstance/get", params={"access_token": token}, json={"process_instance_id": instance_id})
    assert r.json()["process_instance"]["status"] == "RUNNING"
    r = await client.post("/topapi/processinstance/listids", params={"access_token": token},
                          json={"process_code": code, "start_time": 0, "end_time": 100 * 86400 * 1000})
    assert r.json()["result"]["list"] == []
    r = await client.post("/topapi/processinstance/get", params={"access_token": "forged"}, json={"process_instance_id": instance_id})
    assert r.json()["errcode"] == 88 and r.json()["sub_code"] == "40014"
    r = await client.post("/topapi/processinstance/create", params={"access_token": token}, json={**body, "process_code": ""})
    assert r.json()["errcode"] == 40035

    headers = {"x-acs-dingtalk-access-token": token}
    v1 = {"processCode": code, "originatorUserId": str(bob.member_id), "deptId": -1,
          "approvers": [{"actionType": "AND", "userIds": [str(carol.member_id), str(alice.member_id)]}],
          "formComponentValues": [{"name": "申请事项", "value": "v1"}, {"name": "详细说明", "value": "b"}]}
    r = await client.post("/v1.0/workflow/processInstances", headers=headers, json=v1)
    assert r.status_code == 200, r.text
    created = r.json()["instanceId"]
    r = await client.get("/v1.0/workflow/processInstances", headers=headers, params={"processInstanceId": created})
    result = r.json()["result"]
    assert result["status"] == "RUNNING" and sorted(t["userId"] for t in result["tasks"]) == sorted([str(carol.member_id), str(alice.member_id)])
    r = await client.post("/v1.0/workflow/processes/instanceIds/query", headers=headers,
                          json={"processCode": code, "startTime": int(time.time() * 1000) - 60000, "maxResults": 1})
    assert r.json()["result"]["list"] == [created] and r.json()["result"]["nextToken"]
    r = await client.get("/v1.0/workflow/processInstances", headers=headers, params={"processInstanceId": "999999"})
    assert r.status_code == 404 and r.json()["code"]
    r = await client.post("/v1.0/workflow/processInstances", headers=headers, json={**v1, "formComponentValues": "x"})
    assert r.status_code == 400 and r.json()["code"].startswith("invalidParameter")
    r = await client.get("/v1.0/workflow/processInstances", params={"processInstanceId": created})
    assert r.status_code == 400 and r.json()["code"] == "AuthenticationFailed.MissingParameter"
