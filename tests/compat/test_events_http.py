"""Event subscriptions by HTTP callback: the URL verification exchange, 通讯录 events in DingTalk's
encrypted format (checked by dingtalk-sdk's independent crypto in a real HTTP receiver),
retries through durable jobs while the receiver is down, tenancy and bad input."""

import base64
import json
import os
from collections.abc import Iterator

import pytest

from tack.jobs import Backoff, JobRegistry, JobRunner
from tack.openapi_compat.events import crypto, tasks as event_tasks
from tests.compat.helpers import create_app
from tests.compat.receiver import Receiver

AES_KEY = base64.b64encode(os.urandom(32)).decode()[:43]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver("tok-123", AES_KEY)
    yield r
    r.close()


@pytest.fixture
def run_event_jobs(app):  # type: ignore[no-untyped-def]
    """Runs due event jobs; no backoff, so a retry is due at once (no sleeping)."""
    registry = JobRegistry()
    registry.include(event_tasks.jobs)
    runner = JobRunner(app.state.uow_factory, registry, backoff=Backoff(base_seconds=0, cap_seconds=0))

    async def run(rounds: int = 1) -> None:
        for _ in range(rounds):
            await runner.run_once(limit=1000)

    return run


async def subscribe(admin, receiver: Receiver, types: list[str], **extra):  # type: ignore[no-untyped-def]
    app = await create_app(admin, name=extra.pop("app_name", "HR 同步"))
    receiver.app_key = app["app_key"]
    sub = await admin.put(admin.org(f"/apps/{app['id']}/events/subscription"),
                          json={"callback_url": receiver.url, "token": receiver.token, "aes_key": receiver.aes_key,
                                "event_types": types, **extra})
    return app, sub


def test_crypto_round_trip_against_dingtalk_sdk():
    from dingtalk.crypto import DingTalkCrypto

    theirs = DingTalkCrypto("tok", AES_KEY, "dingabc")
    msg = json.dumps({"EventType": "user_add_org", "UserId": ["1", "2"], "说明": "中文"}, ensure_ascii=False)
    mine = crypto.encrypt(AES_KEY, "dingabc", msg)
    assert theirs.decrypt_encrypt_str(crypto.signature("tok", "1", "n", mine), "1", "n", mine) == msg
    sealed = theirs.encrypt_message("success", nonce="abc", timestamp="123")
    assert crypto.signature("tok", "123", "abc", sealed["encrypt"]) == sealed["msg_signature"]
    assert crypto.decrypt(AES_KEY, "dingabc", sealed["encrypt"]) == "success"
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(AES_KEY, "another-app", sealed["encrypt"])
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(AES_KEY, "dingabc", "not base64!")


async def test_subscribe_runs_check_url_and_directory_events_arrive_encrypted(cast, receiver, run_event_jobs):
    alice, bob = cast["alice"], cast["bob"]
    app, sub = await subscribe(alice, receiver, ["user_add_org", "user_modify_org", "user_leave_org",
                                                 "org_dept_create", "org_dept_modify", "org_dept_remove"])
    assert receiver.events == [{"EventType": "check_url"}] and sub["verified_at"]
    assert (await alice.get(alice.org(f"/apps/{app['id']}/events/subscription")))["aes_key"] == AES_KEY

    created = await alice.post(alice.org("/members"), json={"name": "新人", "phone": "13900000011",
                                                             "department_ids": [alice.refs["rd"]]}, expect=201)
    new_id = created["member"]["id"]
    await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"department_ids": [alice.refs["mk"]]})
    await alice.post(alice.org(f"/members/{new_id}/deactivate"))
    dept = await alice.post(alice.org("/departments"), json={"name": "销售部", "parent_id": alice.refs["root"]}, expect=201)
    await alice.patch(alice.org(f"/departments/{dept['id']}"), json={"name": "销售一部"})
    await alice.delete(alice.org(f"/departments/{dept['id']}"), expect=204)
    assert receiver.types() == ["check_url"]  # nothing is sent before its job runs
    await run_event_jobs()

    assert receiver.bad_requests == []
    by_type = {e["EventType"]: e for e in receiver.events}
    assert sorted(by_type) == sorted(["check_url", "user_add_org", "user_modify_org", "user_leave_org",
                                      "org_dept_create", "org_dept_modify", "org_dept_remove"])
    assert by_type["user_add_org"]["UserId"] == [str(new_id)]
    assert by_type["user_modify_org"]["UserId"] == [str(bob.member_id)]
    assert by_type["user_leave_org"]["UserId"] == [str(new_id)]
    assert by_type["org_dept_create"]["DeptId"] == [dept["id"]] == by_type["org_dept_remove"]["DeptId"]
    assert by_type["user_add_org"]["CorpId"] == f"dingtack{alice.org_id}" and by_type["user_add_org"]["TimeStamp"].isdigit()
    deliveries = await alice.get(alice.org(f"/apps/{app['id']}/events/deliveries"))
    assert {d["status"] for d in deliveries["items"]} == {"delivered"} and len(deliveries["items"]) == 6


async def test_only_subscribed_types_and_renaming_the_root_is_department_1(cast, receiver, run_event_jobs):
    alice = cast["alice"]
    await subscribe(alice, receiver, ["org_dept_modify"])
    await alice.post(alice.org("/members"), json={"name": "新人", "phone": "13900000012"}, expect=201)
    await alice.patch(f"/api/v1/orgs/{alice.org_id}", json={"name": "Acme 新名"})
    await run_event_jobs()
    assert [e for e in receiver.events if e["EventType"] != "check_url"] == [
        {"EventType": "org_dept_modify", "DeptId": [1], "CorpId": f"dingtack{alice.org_id}",
         "TimeStamp": receiver.events[-1]["TimeStamp"]}
    ]


async def test_receiver_down_is_retried_and_failures_stay_visible(cast, receiver, run_event_jobs, app):
    alice = cast["alice"]
    tack_app, _ = await subscribe(alice, receiver, ["user_add_org"])
    receiver.down = True
    await alice.post(alice.org("/members"), json={"name": "甲", "phone": "13900000013"}, expect=201)
    await run_event_jobs(rounds=3)
    url = alice.org(f"/apps/{tack_app['id']}/events/deliveries")
    (delivery,) = (await alice.get(url))["items"]
    assert delivery["status"] == "retrying" and delivery["attempts"] == 3 and "503" in delivery["last_error"]
    assert (await alice.get(url, params={"status": "retrying"}))["items"][0]["id"] == delivery["id"]
    receiver.down = False
    await run_event_jobs()
    (delivery,) = (await alice.get(url))["items"]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 4
    assert receiver.types() == ["check_url", "user_add_org"]


async def test_spent_attempts_fail_and_an_admin_retry_delivers(cast, receiver, run_event_jobs):
    alice = cast["alice"]
    tack_app, _ = await subscribe(alice, receiver, ["user_add_org"])
    receiver.down = True
    await alice.post(alice.org("/members"), json={"name": "乙", "phone": "13900000014"}, expect=201)
    await run_event_jobs(rounds=10)
    url = alice.org(f"/apps/{tack_app['id']}/events/deliveries")
    (delivery,) = (await alice.get(url, params={"status": "failed"}))["items"]
    assert delivery["attempts"] == delivery["max_attempts"] == 8
    receiver.down = False
    retried = await alice.post(f"{url}/{delivery['id']}/retry")
    assert retried["status"] == "pending"
    await run_event_jobs()
    assert (await alice.get(url))["items"][0]["status"] == "delivered"
    assert receiver.types() == ["check_url", "user_add_org"]


async def test_verification_failure_saves_nothing_and_bad_input(cast, receiver):
    alice = cast["alice"]
    app = await create_app(alice)
    path = alice.org(f"/apps/{app['id']}/events/subscription")
    body = {"callback_url": receiver.url, "token": "tok-123", "aes_key": AES_KEY, "event_types": ["user_add_org"]}
    receiver.app_key = "some-other-app"  # the receiver cannot decrypt: it answers 400
    failed = await alice.put(path, json=body, expect=422)
    assert failed["code"] == "event_callback_verification_failed"
    await alice.get(path, expect=404)
    receiver.app_key = app["app_key"]
    wrong_token = await alice.put(path, json={**body, "token": "other"}, expect=422)  # signature mismatch
    assert wrong_token["code"] == "event_callback_verification_failed"
    assert (await alice.put(path, json={**body, "aes_key": "!" * 43}, expect=400))["code"] == "event_bad_aes_key"
    assert (await alice.put(path, json={**body, "event_types": ["nope"]}, expect=400))["code"] == "event_unknown_type"
    assert (await alice.put(path, json={**body, "callback_url": "ftp://x/y"}, expect=400))["code"] == "event_bad_callback_url"
    await alice.put(path, json={**body, "aes_key": "short"}, expect=422)
    unreachable = {**body, "callback_url": "http://127.0.0.1:9/none"}
    assert (await alice.put(path, json=unreachable, expect=422))["code"] == "event_callback_verification_failed"
    await alice.get(path, expect=404)
    generated = await alice.put(path, json={k: v for k, v in body.items() if k != "aes_key"}, expect=422)
    assert generated["code"] == "event_callback_verification_failed"  # the receiver knows another key


async def test_other_orgs_get_nothing_and_change_nothing(cast, receiver, run_event_jobs):
    alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
    app, _ = await subscribe(alice, receiver, ["user_add_org", "org_dept_create"])
    await dave.post(dave.org("/members"), json={"name": "globex 新人", "phone": "13900000015"}, expect=201)
    await dave.post(dave.org("/departments"), json={"name": "G 部", "parent_id": dave.refs["globex_root"]}, expect=201)
    await run_event_jobs()
    assert receiver.types() == ["check_url"]
    path = f"/apps/{app['id']}/events/subscription"
    await dave.get(dave.org(path), expect=404)
    await dave.put(dave.org(path), json={"callback_url": "http://x.example/cb", "token": "t", "event_types": ["user_add_org"]},
                   expect=404)
    await dave.delete(dave.org(path), expect=404)
    await dave.get(dave.org(f"/apps/{app['id']}/events/deliveries"), expect=404)
    await bob.get(bob.org(path), expect=404)
    await alice.delete(alice.org(path), expect=204)
    await alice.get(alice.org(path), expect=404)
