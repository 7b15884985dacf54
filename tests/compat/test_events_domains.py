"""Approval and attendance events through the apps' subscriptions: bpms_instance_change /
bpms_task_change from approval's hook and attendance_check_record from attendance's, in
DingTalk's encrypted HTTP callbacks and over Stream (the real dingtalk-stream client);
another organization's app gets none of them; a rolled-back change sends nothing."""

import base64
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tack.jobs import Backoff, JobRegistry, JobRunner
from tack.openapi_compat.events import tasks as event_tasks
from tests.attendance.conftest import at, local, next_weekday, office, punch  # noqa: F401  (office: fixture)
from tests.compat.helpers import create_app
from tests.compat.receiver import Receiver
from tests.compat.test_events_stream import WAIT, Client, stream_server, wait_connected  # noqa: F401  (fixture)

AES_KEY = base64.b64encode(os.urandom(32)).decode()[:43]
TYPES = ["bpms_instance_change", "bpms_task_change", "attendance_check_record"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver("tok-9", AES_KEY)
    yield r
    r.close()


@pytest.fixture
def run_event_jobs(app):  # type: ignore[no-untyped-def]
    registry = JobRegistry()
    registry.include(event_tasks.jobs)
    # One at a time: deliveries then arrive in the order the changes happened (with several
    # workers they may not, as with DingTalk, whose callbacks carry no order either).
    runner = JobRunner(app.state.uow_factory, registry, backoff=Backoff(base_seconds=0, cap_seconds=0), concurrency=1)

    async def run() -> None:
        await runner.run_once(limit=1000)

    return run


async def _subscribe(admin: Any, receiver: Receiver, name: str = "OA 同步") -> dict[str, Any]:
    app = await create_app(admin, name=name)
    receiver.app_key = app["app_key"]
    await admin.put(admin.org(f"/apps/{app['id']}/events/subscription"),
                    json={"callback_url": receiver.url, "token": receiver.token, "aes_key": receiver.aes_key, "event_types": TYPES})
    return app


async def _general(api: Any) -> int:
    templates = (await api.get(api.org("/approval/templates")))["items"]
    return next(t["id"] for t in templates if t["kind"] == "general")


async def test_approval_events_follow_the_request(cast, receiver, run_event_jobs):
    alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
    await _subscribe(alice, receiver)
    other = Receiver("tok-9", AES_KEY)
    try:
        await _subscribe(dave, other, "Globex OA")
        template = await _general(bob)
        instance = await bob.post(bob.org("/approval/instances"), json={"template_id": template, "values": {"subject": "显示器", "detail": "坏了"}}, expect=201)
        # A submission that fails (form error) sends nothing.
        await bob.post(bob.org("/approval/instances"), json={"template_id": template, "values": {"subject": "x"}}, expect=422)
        approver = next(p["id"] for s in instance["steps"] for p in s["approvers"])
        assert approver == alice.member_id  # no department manager: the org's admins
        await alice.post(alice.org(f"/approval/instances/{instance['id']}/transfer"), json={"member_id": carol.member_id, "comment": "你来"})
        await carol.post(carol.org(f"/approval/instances/{instance['id']}/approve"), json={"comment": "可以"})
        await run_event_jobs()
    finally:
        other.close()
    events = [e for e in receiver.events if e["EventType"] != "check_url"]
    seen = [(e["EventType"], e["type"], e["staffId"], e.get("result")) for e in events]
    assert seen == [
        ("bpms_instance_change", "start", str(bob.member_id), None),
        ("bpms_task_change", "start", str(alice.member_id), None),
        ("bpms_task_change", "finish", str(alice.member_id), "redirect"),
        ("bpms_task_change", "start", str(carol.member_id), None),
        ("bpms_task_change", "finish", str(carol.member_id), "agree"),
        ("bpms_instance_change", "finish", str(bob.member_id), "agree"),
    ]
    assert all(e["processInstanceId"] == str(instance["id"]) and e["processCode"] == f"PROC-TACK-{template}" for e in events)
    assert events[4]["remark"] == "可以" and events[-1]["finishTime"] >= events[0]["createTime"]
    assert events[0]["corpId"] == f"dingtack{alice.org_id}" and events[0]["title"] == instance["title"]
    assert other.types() == ["check_url"]  # globex's app heard nothing of acme


async def test_withdraw_terminates_and_cancels_tasks(cast, receiver, run_event_jobs):
    alice, bob = cast["alice"], cast["bob"]
    await _subscribe(alice, receiver)
    instance = await bob.post(bob.org("/approval/instances"), json={"template_id": await _general(bob), "values": {"subject": "a", "detail": "b"}}, expect=201)
    await bob.post(bob.org(f"/approval/instances/{instance['id']}/withdraw"))
    await run_event_jobs()
    seen = [(e["EventType"], e["type"]) for e in receiver.events if e["EventType"] != "check_url"]
    assert seen[-2:] == [("bpms_task_change", "cancel"), ("bpms_instance_change", "terminate")]


async def test_check_ins_arrive_as_attendance_check_record(cast, office, receiver, run_event_jobs):  # noqa: F811
    alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
    await _subscribe(alice, receiver)
    other = Receiver("tok-9", AES_KEY)
    try:
        await _subscribe(dave, other, "Globex OA")
        monday = next_weekday(0)
        with at(local(monday, "08:55")):
            first = await punch(bob, kind="in")
            again = await punch(bob, kind="in")  # a repeat changes nothing and is not announced
            assert again["duplicate"] is True
        with at(local(monday, "18:05")):
            await punch(bob, kind="out")
            await run_event_jobs()  # due on the travelled clock
    finally:
        other.close()
    records = [e for e in receiver.events if e["EventType"] == "attendance_check_record"]
    assert len(records) == 2
    data = records[0]["DataList"][0]
    assert data["userId"] == str(bob.member_id) and data["checkType"] == "OnDuty" and data["bizId"] == f"tack-{first['record']['id']}"
    assert data["groupId"] == office["group"]["id"] and data["locationResult"] == "Normal"
    assert abs(data["checkTime"] - int(local(monday, "08:55").timestamp() * 1000)) < 60_000
    assert records[1]["DataList"][0]["checkType"] == "OffDuty"
    assert other.types() == ["check_url"]


async def test_approval_events_over_stream(cast, stream_server):  # noqa: F811
    base, _ = stream_server
    alice, bob = cast["alice"], cast["bob"]
    app = await create_app(alice, name="Stream OA")
    await alice.put(alice.org(f"/apps/{app['id']}/events/subscription"), json={"mode": "stream", "event_types": ["bpms_instance_change"]})
    client = Client(base, app)
    try:
        wait_connected(app["id"])
        instance = await bob.post(bob.org("/approval/instances"), json={"template_id": await _general(bob), "values": {"subject": "a", "detail": "b"}}, expect=201)
        kind, event_id, data = client.events.get(timeout=WAIT)
        assert kind == "bpms_instance_change" and event_id.startswith("tack-")
        assert data["processInstanceId"] == str(instance["id"]) and data["type"] == "start" and data["staffId"] == str(bob.member_id)
    finally:
        client.stop()
