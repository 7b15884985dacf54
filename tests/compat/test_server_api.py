"""The server API's other styles (/topapi, /v1.0), unknown paths, stubs of domains not in yet,
oversize bodies, and tenancy: an app of one org sees nothing of another."""

from tests.compat.helpers import create_app, gettoken

LOOP_CODES = (33001, 40001, 42001, 40014)


async def _token(client, cast, **fields):  # type: ignore[no-untyped-def]
    return await gettoken(client, await create_app(cast["alice"], **fields))


async def test_topapi_users_and_departments(client, cast):
    bob = cast["bob"]
    token = await _token(client, cast)
    r = await client.post("/topapi/v2/user/get", params={"access_token": token}, json={"userid": str(bob.member_id)})
    body = r.json()
    assert body["errcode"] == 0 and body["result"]["name"] == "bob" and body["result"]["dept_id_list"] == [bob.refs["rd"]]
    assert "mobile" not in body["result"]  # no contact.mobile scope
    r = await client.post("/topapi/v2/user/list", params={"access_token": token}, json={"dept_id": bob.refs["rd"], "cursor": 0, "size": 1})
    result = r.json()["result"]
    assert result["has_more"] is True and result["next_cursor"] == 1 and len(result["list"]) == 1
    # Form bodies work too.
    r = await client.post("/topapi/v2/department/listsub", params={"access_token": token}, data={"dept_id": "1"})
    assert {d["name"] for d in r.json()["result"]} == {"研发部", "市场部"}
    r = await client.post("/topapi/v2/department/get", params={"access_token": token}, json={"dept_id": bob.refs["mk"]})
    assert r.json()["result"]["name"] == "市场部" and r.json()["result"]["parent_id"] == 1
    r = await client.post("/topapi/v2/department/listsubid", params={"access_token": token}, json={"dept_id": 1})
    assert sorted(r.json()["result"]["dept_id_list"]) == sorted([bob.refs["rd"], bob.refs["mk"]])


async def test_topapi_token_errors_and_unknown_methods(client, cast):
    r = await client.post("/topapi/v2/user/get", params={"access_token": "bad"}, json={"userid": "1"})
    assert r.status_code == 200 and r.json()["errcode"] == 88 and r.json()["sub_code"] == "40014"
    r = await client.post("/topapi/v2/user/get", json={"userid": "1"}, headers={"x-acs-dingtalk-access-token": "x"})
    assert r.json()["errcode"] == 88 and r.json()["sub_code"] == "40000"
    r = await client.post("/topapi/no/such/thing", params={"access_token": "bad"})
    assert r.status_code == 200 and r.json()["errcode"] == 22
    r = await client.get("/user/no_such_thing")
    assert r.status_code == 200 and r.json()["errcode"] == 404
    token = await _token(client, cast)
    r = await client.post("/topapi/v2/user/get", params={"access_token": token}, json={})
    assert r.json()["errcode"] == 40035 and "userid" in r.json()["errmsg"]


async def test_v1_contact(client, cast):
    bob = cast["bob"]
    token = await _token(client, cast, scopes=["contact.read", "contact.mobile"])
    headers = {"x-acs-dingtalk-access-token": token}
    r = await client.post("/v1.0/contact/users/search", headers=headers, json={"queryWord": "bo", "offset": 0, "size": 10})
    assert r.status_code == 200 and r.json() == {"hasMore": False, "totalCount": 1, "list": [str(bob.member_id)]}
    r = await client.post("/v1.0/contact/departments/search", headers=headers, json={"queryWord": "研发"})
    assert r.json()["list"] == [bob.refs["rd"]]
    union = (await client.get("/user/get", params={"access_token": token, "userid": str(bob.member_id)})).json()["unionid"]
    r = await client.get(f"/v1.0/contact/users/{union}", headers=headers)
    assert r.json()["nick"] == "bob" and r.json()["unionId"] == union and r.json()["mobile"] == "13900000002"
    # The token goes in the header only, as on DingTalk.
    r = await client.post("/v1.0/contact/users/search", params={"access_token": token}, json={"queryWord": "bo"})
    assert r.status_code == 400 and r.json()["code"] == "AuthenticationFailed.MissingParameter"
    r = await client.post("/v1.0/contact/users/search", headers=headers, json={})
    assert r.status_code == 400 and r.json()["code"] == "MissingParameter.queryWord"
    r = await client.post("/v1.0/no/such/api", headers=headers, json={})
    assert r.status_code == 404 and r.json()["code"] == "InvalidAction.NotFound" and r.json()["requestid"]
    r = await client.post("/v1.0/contact/users/search", headers=headers, content=b"[1,2]", )
    assert r.status_code == 400


async def test_domains_not_in_yet_answer_not_found(client, cast):
    token = await _token(client, cast)
    for method, path in (
        ("POST", "/topapi/attendance/getupdatedata"),
        ("POST", "/topapi/message/corpconversation/recall"),
        ("GET", "/get_jsapi_ticket"),
        ("GET", "/user/get_admin"),
    ):
        r = await client.request(method, path, params={"access_token": token}, json={})
        assert r.status_code == 200 and r.json()["errcode"] == 404 and "尚未" in r.json()["errmsg"], path
    for method in ("dingtalk.oapi.message.corpconversation.recall", "dingtalk.oapi.attendance.getleavestatus", "dingtalk.smartwork.attends.listschedule"):
        r = await client.post("/router/rest", params={"method": method, "session": token})
        assert r.json()["error_response"]["code"] == 22


async def test_oversize_and_malformed_bodies(client, cast):
    token = await _token(client, cast)
    big = b'{"userid": "' + b"1" * (300 * 1024) + b'"}'
    r = await client.post("/topapi/v2/user/get", params={"access_token": token}, content=big, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["errcode"] == 40035 and "过大" in r.json()["errmsg"]
    r = await client.post("/topapi/v2/user/get", params={"access_token": token}, content=b"{oops", headers={"content-type": "application/json"})
    assert r.json()["errcode"] == 40035
    r = await client.get("/user/list", params={"access_token": token, "department_id": "x"})
    assert r.json()["errcode"] == 40035
    r = await client.get("/user/list", params={"access_token": token, "department_id": "1", "size": "1000"})
    assert r.json()["errcode"] == 40035
    r = await client.get("/department/list", params={"access_token": token, "fetch_child": "maybe"})
    assert r.json()["errcode"] == 40035
    r = await client.post("/router/rest", params={"method": "dingtalk.oapi.message.corpconversation.asyncsend_v2", "session": token,
                                                  "agent_id": "1", "msg": "{not json", "to_all_user": "true"})
    assert r.status_code == 200 and r.json()["error_response"]["code"] == 41


async def test_an_app_sees_only_its_own_org(client, cast):
    alice, dave = cast["alice"], cast["dave"]
    acme = await gettoken(client, await create_app(alice))
    globex_app = await create_app(dave, name="globex app")
    globex = await gettoken(client, globex_app)
    r = await client.get("/user/get", params={"access_token": globex, "userid": str(alice.member_id)})
    assert r.json()["errcode"] == 60121
    r = await client.get("/user/list", params={"access_token": globex, "department_id": str(alice.refs["rd"])})
    assert r.json()["errcode"] == 60003
    r = await client.get("/department/list", params={"access_token": globex, "id": "1", "fetch_child": "true"})
    assert r.json()["errcode"] == 0 and r.json()["department"] == []
    r = await client.get("/user/getUseridByUnionid", params={"access_token": globex, "unionid": f"tk{alice.org_id}x{alice.member_id}"})
    assert r.json()["errcode"] == 60121
    r = await client.post("/v1.0/contact/users/search", headers={"x-acs-dingtalk-access-token": globex}, json={"queryWord": "bob"})
    assert r.json()["totalCount"] == 0
    r = await client.post(
        "/topapi/message/corpconversation/asyncsend_v2", params={"access_token": globex},
        json={"agent_id": globex_app["agent_id"], "userid_list": f"{alice.member_id},{dave.member_id}", "msg": {"msgtype": "text", "text": {"content": "x"}}},
    )
    task = r.json()["task_id"]
    r = await client.post("/topapi/message/corpconversation/getsendresult", params={"access_token": globex}, json={"task_id": task})
    assert r.json()["send_result"]["invalid_user_id_list"] == [str(alice.member_id)]
    assert r.json()["send_result"]["unread_user_id_list"] == [str(dave.member_id)]
    # acme's app cannot read globex's task.
    r = await client.post("/topapi/message/corpconversation/getsendresult", params={"access_token": acme}, json={"task_id": task})
    assert r.json()["errcode"] == 40035
    for body in (r.json(),):
        assert body["errcode"] not in LOOP_CODES


async def test_user_get_answers_the_directory_as_it_is_now(client, cast):
    """/user/get (served before the router, from one statement) shows every change at once:
    nothing of a member is cached. Its object agrees with /topapi/v2/user/get."""
    alice, bob = cast["alice"], cast["bob"]
    token = await _token(client, cast, scopes=["contact.read", "contact.mobile"])
    params = {"access_token": token, "userid": str(bob.member_id)}
    before = (await client.get("/user/get", params=params)).json()
    assert before["errcode"] == 0 and before["name"] == "bob" and before["department"] == [bob.refs["rd"]]
    await alice.patch(alice.org(f"/members/{bob.member_id}"), json={
        "name": "鲍勃", "job_title": "架构师", "department_ids": [bob.refs["rd"], bob.refs["mk"]],
        "manager_id": alice.member_id, "hire_date": "2024-03-01",
    })
    after = (await client.get("/user/get", params=params)).json()
    assert after["name"] == "鲍勃" and after["position"] == "架构师"
    assert after["department"] == sorted([bob.refs["rd"], bob.refs["mk"]])
    assert after["managerUserId"] == str(alice.member_id) and after["hiredDate"] == 1709251200000
    assert after["mobile"] and after["isAdmin"] is False and after["active"] is True
    top = (await client.post("/topapi/v2/user/get", params={"access_token": token}, json={"userid": str(bob.member_id)})).json()
    result = top["result"]
    assert (result["name"], result["title"], result["dept_id_list"], result["mobile"], result["manager_userid"]) == (
        after["name"], after["position"], after["department"], after["mobile"], after["managerUserId"]
    )
    owner = (await client.get("/user/get", params={**params, "userid": str(alice.member_id)})).json()
    assert owner["isAdmin"] is True and owner["isBoss"] is True and owner["department"] == [1]
    await alice.post(alice.org(f"/members/{bob.member_id}/deactivate"))
    assert (await client.get("/user/get", params=params)).json()["errcode"] == 60121


async def test_user_get_errors_in_the_order_of_every_oapi_route(client, cast):
    """Token first (with the userid missing too), then the scope, then the parameter."""
    bob = cast["bob"]
    r = await client.get("/user/get", params={"access_token": "bad"})
    assert r.status_code == 200 and r.json()["errcode"] == 40014
    assert (await client.get("/user/get")).json()["errcode"] == 40000
    no_scope = await _token(client, cast, scopes=["message.work_notice"])
    r = await client.get("/user/get", params={"access_token": no_scope})
    assert r.json()["errcode"] == 88 and r.json()["sub_code"] == "60011"
    token = await _token(client, cast, name="second")
    assert (await client.get("/user/get", params={"access_token": token})).json()["errcode"] == 40035
    for userid in ("abc", "0", "-1", "9" * 30, str(bob.member_id + 10_000)):
        assert (await client.get("/user/get", params={"access_token": token, "userid": userid})).json()["errcode"] == 60121
    # Other methods still go to the router, answered in DingTalk's form.
    r = await client.post("/user/get", params={"access_token": token, "userid": str(bob.member_id)})
    assert r.status_code == 200 and r.json()["errcode"] not in (0, *LOOP_CODES)
