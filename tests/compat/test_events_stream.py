"""Stream mode with the real, unmodified `dingtalk-stream` client against a running server:
open + WebSocket handshake, events delivered and acked, redelivery after a failed ack and
after the client was away, SYSTEM ping, tenancy, bad credentials and tickets."""

import asyncio
import queue
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tack.jobs import Backoff
from tack.main import create_app
from tack.openapi_compat.stream.hub import HUB
from tack.settings import Settings
from tests.compat.helpers import create_app as create_tack_app

WAIT = 30.0  # an upper bound for a queue.get, never a sleep


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def stream_server(app, data_dir: Path, database_url: str) -> Iterator[tuple[str, Any]]:  # type: ignore[no-untyped-def]
    """A server with its job runner ON (deliveries must run where the sockets are), polling
    often and retrying at once, so redelivery is observable without waiting minutes."""
    settings = Settings(data_dir=data_dir, database_url=database_url, secret_key="test-secret",
                        jobs_runner=True, jobs_poll_seconds=0.2)
    application = create_app(settings)
    application.state.job_runner.backoff = Backoff(base_seconds=0.2, cap_seconds=0.5)
    port = _free_port()
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                            loop="asyncio", ws="websockets")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:  # readiness of a server in another thread
        assert thread.is_alive() and time.monotonic() < deadline, "stream server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/", instance
    instance.should_exit = True
    thread.join(timeout=15)


class Client:
    """dingtalk_stream.DingTalkStreamClient in its own thread and loop, repointed by its class
    attribute OPEN_CONNECTION_API (the SDK reads DINGTALK_OPENAPI_ENDPOINT only at import)."""

    def __init__(self, base_url: str, app: dict[str, Any], *, refuse_first: bool = False) -> None:
        import dingtalk_stream

        dingtalk_stream.DingTalkStreamClient.OPEN_CONNECTION_API = base_url + "v1.0/gateway/connections/open"
        self.events: queue.Queue[tuple[str, str, dict[str, Any]]] = queue.Queue()
        self.refused: set[str] = set()
        outer = self

        class Handler(dingtalk_stream.EventHandler):  # type: ignore[misc]
            async def process(self, event):  # type: ignore[no-untyped-def]
                event_id = event.headers.event_id
                if refuse_first and event_id not in outer.refused:
                    outer.refused.add(event_id)
                    return dingtalk_stream.AckMessage.STATUS_SYSTEM_EXCEPTION, "try later"
                outer.events.put((event.headers.event_type, event_id, event.data))
                return dingtalk_stream.AckMessage.STATUS_OK, "OK"

        self.client = dingtalk_stream.DingTalkStreamClient(dingtalk_stream.Credential(app["app_key"], app["app_secret"]))
        self.client.register_all_event_handler(Handler())
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.client.start())
        except BaseException:  # cancelled at close
            pass

    def stop(self) -> None:
        def cancel() -> None:
            for task in asyncio.all_tasks(self.loop):
                task.cancel()

        for _ in range(3):  # the SDK's loop swallows one CancelledError (then sleeps): cancel again
            self.loop.call_soon_threadsafe(cancel)
            self.thread.join(timeout=2)
            if not self.thread.is_alive():
                break


def wait_connected(app_id: int) -> None:
    """Until the server holds the client's socket (a condition with a bound, not a sleep)."""
    deadline = time.monotonic() + WAIT
    while not HUB.connections(app_id):
        assert time.monotonic() < deadline, "stream client did not connect"
        time.sleep(0.05)


async def stream_app(admin, name: str = "Stream 应用") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    app = await create_tack_app(admin, name=name)
    await admin.put(admin.org(f"/apps/{app['id']}/events/subscription"),
                    json={"mode": "stream", "event_types": ["user_add_org", "org_dept_create", "user_leave_org"]})
    return app


async def test_events_reach_the_real_stream_client_and_are_redelivered(cast, stream_server):
    base, _ = stream_server
    alice, dave = cast["alice"], cast["dave"]
    app = await stream_app(alice)
    other = await stream_app(dave, "Globex stream")
    # An event while no client is connected: kept, delivered once it connects.
    early = await alice.post(alice.org("/members"), json={"name": "早到", "phone": "13900000021"}, expect=201)
    mine, theirs = Client(base, app, refuse_first=True), Client(base, other)
    try:
        wait_connected(app["id"])
        wait_connected(other["id"])
        kind, first_id, data = mine.events.get(timeout=WAIT)
        assert kind == "user_add_org" and data["userId"] == [str(early["member"]["id"])]
        assert data["corpId"] == f"dingtack{alice.org_id}" and first_id in mine.refused  # refused once, then again
        dept = await alice.post(alice.org("/departments"), json={"name": "流部门", "parent_id": alice.refs["root"]},
                                expect=201)
        kind, _, data = mine.events.get(timeout=WAIT)
        assert kind == "org_dept_create" and data["deptId"] == [dept["id"]]
        # The server records the ack just after the client sent it: wait for that (bounded).
        deadline = time.monotonic() + WAIT
        while True:
            deliveries = await alice.get(alice.org(f"/apps/{app['id']}/events/deliveries"))
            if [d["status"] for d in deliveries["items"]] == ["delivered", "delivered"] or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert [d["status"] for d in deliveries["items"]] == ["delivered", "delivered"]
        assert deliveries["items"][1]["attempts"] >= 2  # the refused ack was retried
        # Tenancy: globex's app got nothing of acme's, and has no deliveries.
        assert theirs.events.empty()
        assert (await dave.get(dave.org(f"/apps/{other['id']}/events/deliveries")))["items"] == []
    finally:
        mine.stop()
        theirs.stop()


async def test_open_and_socket_refuse_bad_credentials_and_tickets(cast, stream_server):
    base, _ = stream_server
    app = await stream_app(cast["alice"])
    async with httpx.AsyncClient(base_url=base) as http:
        url = "/v1.0/gateway/connections/open"
        bad = await http.post(url, json={"clientId": app["app_key"], "clientSecret": "wrong", "subscriptions": []})
        assert bad.status_code == 400 and bad.json()["code"] == "invalidClientIdOrSecret"
        unknown = await http.post(url, json={"clientId": "dingnope", "clientSecret": "x"})
        assert unknown.status_code == 400 and unknown.json()["code"] == "invalidClientIdOrSecret"
        missing = await http.post(url, json={"clientSecret": "x"})
        assert missing.status_code == 400 and "clientId" in missing.json()["code"]
        bad_subs = await http.post(url, json={"clientId": app["app_key"], "clientSecret": app["app_secret"],
                                              "subscriptions": [{"type": "NOPE", "topic": "*"}]})
        assert bad_subs.status_code == 400 and "requestid" in bad_subs.json()
        ok = await http.post(url, json={"clientId": app["app_key"], "clientSecret": app["app_secret"],
                                        "subscriptions": [{"type": "EVENT", "topic": "*"}]})
        assert ok.status_code == 200 and ok.json()["endpoint"].startswith("ws://") and "?" not in ok.json()["endpoint"]
    import websockets

    endpoint = ok.json()["endpoint"]
    for ticket in ("", "garbage", ok.json()["ticket"].replace("~", "x~", 1)):
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            async with websockets.connect(f"{endpoint}?ticket={ticket}"):
                pass
        assert refused.value.response.status_code == 403
    async with websockets.connect(f"{endpoint}?ticket={ok.json()['ticket']}") as ws:
        await ws.send("not json")  # ignored, the connection stays
        await ws.send('{"code": 200, "headers": {"messageId": "unknown"}}')
        pong = await ws.ping()
        await asyncio.wait_for(pong, WAIT)
