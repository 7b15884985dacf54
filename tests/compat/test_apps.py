"""Apps administered by org admins: credentials, scopes, IP allowlist, enable/disable, rotation,
and the token endpoints of both DingTalk styles."""

import time_machine
from datetime import timedelta

from tack.core.clock import utc_now
from tests.compat.helpers import create_app, gettoken


async def test_admin_creates_app_and_gets_its_secret_once(cast):
    alice = cast["alice"]
    app = await create_app(alice, scopes=["contact.read"], ip_allowlist=["10.1.2.3", "192.168.0.0/16"])
    assert app["app_key"].startswith("ding") and len(app["app_secret"]) >= 32
    assert app["agent_id"] == app["id"] and app["enabled"] is True
    assert app["ip_allowlist"] == ["10.1.2.3/32", "192.168.0.0/16"]
    listed = await alice.get(alice.org("/apps"))
    assert [a["app_key"] for a in listed["items"]] == [app["app_key"]]
    assert "app_secret" not in listed["items"][0]
    got = await alice.get(alice.org(f"/apps/{app['id']}"))
    assert "app_secret" not in got and got["scopes"] == ["contact.read"]
    audit = await alice.get(alice.org("/audit"))
    assert "app.create" in [e["action"] for e in audit["items"]]


async def test_default_scopes_and_bad_input(cast):
    alice = cast["alice"]
    app = await create_app(alice)
    assert app["scopes"] == ["contact.read", "message.work_notice"]
    bad = await alice.post(alice.org("/apps"), json={"name": "x", "scopes": ["root.everything"]}, expect=400)
    assert bad["code"] == "app_unknown_scope"
    bad = await alice.post(alice.org("/apps"), json={"name": "y", "ip_allowlist": ["10.0.0.300"]}, expect=400)
    assert bad["code"] == "app_bad_ip_rule"
    dup = await alice.post(alice.org("/apps"), json={"name": app["name"]}, expect=409)
    assert dup["code"] == "app_name_taken"
    await alice.post(alice.org("/apps"), json={"name": ""}, expect=422)
    scopes = await alice.get(alice.org("/app-scopes"))
    assert {"contact.read", "contact.mobile", "message.work_notice"} <= {s["name"] for s in scopes["items"]}


async def test_members_and_other_orgs_cannot_see_or_change_apps(cast):
    alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
    app = await create_app(alice)
    await bob.get(bob.org("/apps"), expect=403)
    await bob.post(bob.org("/apps"), json={"name": "mine"}, expect=403)
    await bob.get(bob.org(f"/apps/{app['id']}"), expect=404)
    await bob.patch(bob.org(f"/apps/{app['id']}"), json={"enabled": False}, expect=404)
    # dave owns globex: acme's app does not exist there.
    await dave.get(dave.org(f"/apps/{app['id']}"), expect=404)
    await dave.patch(dave.org(f"/apps/{app['id']}"), json={"enabled": False}, expect=404)
    await dave.post(dave.org(f"/apps/{app['id']}/secret"), expect=404)
    await dave.delete(dave.org(f"/apps/{app['id']}"), expect=404)
    assert (await dave.get(dave.org("/apps")))["items"] == []
    # dave's path with acme's org id: not his org.
    await dave.get(f"/api/v1/orgs/{alice.org_id}/apps", expect=404)
    still = await alice.get(alice.org(f"/apps/{app['id']}"))
    assert still["enabled"] is True


async def test_gettoken_and_v1_access_token(client, cast):
    app = await create_app(cast["alice"])
    r = await client.get("/gettoken", params={"appkey": app["app_key"], "appsecret": app["app_secret"]})
    body = r.json()
    assert r.status_code == 200 and body["errcode"] == 0 and body["errmsg"] == "ok"
    assert body["expires_in"] == 7200 and body["access_token"]
    # The legacy corpid/corpsecret pair works the same way.
    r = await client.get("/gettoken", params={"corpid": app["app_key"], "corpsecret": app["app_secret"]})
    assert r.json()["errcode"] == 0
    r = await client.post("/v1.0/oauth2/accessToken", json={"appKey": app["app_key"], "appSecret": app["app_secret"]})
    assert r.status_code == 200
    assert r.json()["expireIn"] == 7200 and r.json()["accessToken"]


async def test_wrong_credentials_answer_dingtalk_codes(client, cast):
    app = await create_app(cast["alice"])
    for params in ({"appkey": app["app_key"], "appsecret": "wrong"}, {"appkey": "dingnope", "appsecret": "x"}):
        r = await client.get("/gettoken", params=params)
        assert r.status_code == 200 and r.json()["errcode"] == 40096
    r = await client.get("/gettoken", params={"appsecret": "x"})
    assert r.json()["errcode"] == 40035 and "appkey" in r.json()["errmsg"]
    r = await client.get("/gettoken")
    assert r.json()["errcode"] == 40035
    r = await client.post("/v1.0/oauth2/accessToken", json={"appKey": app["app_key"], "appSecret": "wrong"})
    assert r.status_code == 400 and r.json()["code"] == "invalidClientIdOrSecret" and r.json()["requestid"]
    r = await client.post("/v1.0/oauth2/accessToken", json={"appKey": app["app_key"]})
    assert r.status_code == 400 and r.json()["code"] == "MissingParameter.appSecret"
    r = await client.post("/v1.0/oauth2/accessToken", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["code"].startswith("invalidParameter")
    r = await client.post("/v1.0/oauth2/accessToken", content=b"x" * (300 * 1024), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "invalidParameter.body.tooLarge"


async def test_disable_rotate_and_ip_allowlist(client, cast):
    alice = cast["alice"]
    app = await create_app(alice)
    token = await gettoken(client, app)
    await alice.patch(alice.org(f"/apps/{app['id']}"), json={"enabled": False})
    r = await client.get("/gettoken", params={"appkey": app["app_key"], "appsecret": app["app_secret"]})
    assert r.json()["errcode"] == 40096
    r = await client.get("/user/get", params={"access_token": token, "userid": "1"})
    assert r.json()["errcode"] == 40014
    await alice.patch(alice.org(f"/apps/{app['id']}"), json={"enabled": True})
    r = await client.get("/user/get", params={"access_token": token, "userid": str(alice.member_id)})
    assert r.json()["errcode"] == 0

    rotated = await alice.post(alice.org(f"/apps/{app['id']}/secret"))
    assert rotated["app_secret"] != app["app_secret"] and rotated["app_key"] == app["app_key"]
    r = await client.get("/user/get", params={"access_token": token, "userid": str(alice.member_id)})
    assert r.json()["errcode"] == 40014
    r = await client.get("/gettoken", params={"appkey": app["app_key"], "appsecret": app["app_secret"]})
    assert r.json()["errcode"] == 40096
    token = await gettoken(client, rotated)

    # The test client calls from 127.0.0.1.
    await alice.patch(alice.org(f"/apps/{app['id']}"), json={"ip_allowlist": ["10.0.0.0/8"]})
    r = await client.get("/user/get", params={"access_token": token, "userid": str(alice.member_id)})
    assert r.json()["errcode"] == 60020
    r = await client.get("/gettoken", params={"appkey": rotated["app_key"], "appsecret": rotated["app_secret"]})
    assert r.json()["errcode"] == 60020
    await alice.patch(alice.org(f"/apps/{app['id']}"), json={"ip_allowlist": ["127.0.0.0/8"]})
    r = await client.get("/user/get", params={"access_token": token, "userid": str(alice.member_id)})
    assert r.json()["errcode"] == 0


async def test_expired_and_forged_tokens(client, cast):
    alice = cast["alice"]
    app = await create_app(alice)
    token = await gettoken(client, app)
    params = {"access_token": token, "userid": str(alice.member_id)}
    with time_machine.travel(utc_now() + timedelta(seconds=7100)):
        assert (await client.get("/user/get", params=params)).json()["errcode"] == 0
    with time_machine.travel(utc_now() + timedelta(seconds=7201)):
        assert (await client.get("/user/get", params=params)).json()["errcode"] == 42001
        r = await client.get("/v1.0/contact/users/me", headers={"x-acs-dingtalk-access-token": token})
        assert r.status_code == 400 and r.json()["code"] == "InvalidAuthentication"
    app_id, version, expires, sig = token.split(".")
    forged = ".".join([app_id, version, f"{int(expires, 16) + 86400:x}", sig])
    for bad in (forged, "nonsense", token + "0", "1.1.1." + "0" * 32, "." * 3):
        r = await client.get("/user/get", params={**params, "access_token": bad})
        assert r.status_code == 200 and r.json()["errcode"] == 40014, bad
    r = await client.get("/user/get", params={"userid": "1"})
    assert r.json()["errcode"] not in (40014, 42001, 40001, 33001)


async def test_deleted_app_tokens_stop_working(client, cast):
    alice = cast["alice"]
    app = await create_app(alice)
    token = await gettoken(client, app)
    await alice.delete(alice.org(f"/apps/{app['id']}"), expect=204)
    r = await client.get("/user/get", params={"access_token": token, "userid": str(alice.member_id)})
    assert r.json()["errcode"] == 40014
    await alice.get(alice.org(f"/apps/{app['id']}"), expect=404)


async def test_a_stale_cache_entry_never_refuses_a_good_token(client, cast):
    """The app cache may answer "yes" for a moment too long, never "no": a refusal is re-checked
    against the database (a wrong 40014 would make dingtalk-sdk refresh and retry forever)."""
    from dataclasses import replace

    from tack.openapi_compat.tokens import APPS

    alice = cast["alice"]
    app = await create_app(alice)
    token = await gettoken(client, app)
    params = {"access_token": token, "userid": str(alice.member_id)}
    assert (await client.get("/user/get", params=params)).json()["errcode"] == 0
    cached = APPS.get(app["id"])
    assert cached is not None
    APPS.put(replace(cached, app_key="dingstale", secret_version=cached.secret_version + 5, enabled=False))
    assert (await client.get("/user/get", params=params)).json()["errcode"] == 0
    assert APPS.get(app["id"]) == cached


async def test_a_change_in_flight_is_not_undone_by_a_concurrent_token_check(app, client, cast):
    """A call checked while "disable" is flushed but not committed reloads the app as it still
    is (enabled) into the cache; that entry must not outlive the commit."""
    from tack.core.actor import Actor
    from tack.openapi_compat.apps.actions import check_update_app
    from tack.openapi_compat.apps.schemas import AppUpdate
    from tack.openapi_compat.tokens import APPS

    alice = cast["alice"]
    created = await create_app(alice)
    token = await gettoken(client, created)
    params = {"access_token": token, "userid": str(alice.member_id)}
    assert (await client.get("/user/get", params=params)).json()["errcode"] == 0
    owner = Actor(account_id=0, org_id=alice.org_id, member_id=alice.member_id, role="owner")
    async with app.state.uow_factory() as uow:
        await check_update_app(uow, owner, created["id"], AppUpdate(enabled=False))
        assert (await client.get("/user/get", params=params)).json()["errcode"] == 0
        assert APPS.get(created["id"]) is not None and APPS.get(created["id"]).enabled
    assert APPS.get(created["id"]) is None
    assert (await client.get("/user/get", params=params)).json()["errcode"] == 40014
