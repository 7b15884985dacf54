"""The webhook provider against a real local HTTP server: signature, failure → retry → recorded."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tack.ding import providers
from tests.ding.conftest import deliveries, ding, jobs, run_all


class Gateway:
    """A stand-in SMS gateway: answers the queued statuses in order (then 200), records requests."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[tuple[dict[str, str], bytes]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                gateway.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway()
    thread = threading.Thread(target=g.server.serve_forever, daemon=True)
    thread.start()
    previous = providers.use(providers.WebhookProvider(g.url, "s3cret", timeout=5))
    yield g
    providers.use(previous)
    g.server.shutdown()
    g.server.server_close()


async def test_signed_request_failure_retry_and_every_attempt_recorded(app, cast, runner, clock, gateway):
    alice, bob = cast["alice"], cast["bob"]
    gateway.statuses = [500, 503]
    d = await ding(alice, bob, channel="sms", remind_times=0)
    await run_all(runner)
    [job] = await jobs(app, "ding.notify")
    assert (job.status, job.attempts) == ("queued", 1) and "HTTP 500" in (job.last_error or "")
    clock.advance(10)  # backoff 10 s · 2^0 with the fixed jitter of the test runner
    await run_all(runner)
    clock.advance(60)
    await run_all(runner)
    [job] = await jobs(app, "ding.notify")
    assert (job.status, job.attempts) == ("done", 3)
    rows = [(r.attempt, r.status, r.provider, (r.error or "")[:13]) for r in await deliveries(app, d["id"])]
    assert rows == [(1, "failed", "webhook", "ProviderError"), (2, "failed", "webhook", "ProviderError"), (3, "sent", "webhook", "")]
    assert len(gateway.requests) == 3
    headers, body = gateway.requests[-1]
    expected = hmac.new(b"s3cret", f"{headers['x-tack-timestamp']}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["x-tack-signature"] == "sha256=" + expected
    assert headers["x-tack-delivery"] == f"ding:{d['id']}:member:{bob.member_id}:send:0:sms"
    payload = json.loads(body)
    assert (payload["type"], payload["phone"], payload["text"], payload["member_id"]) == ("ding.sms", "13900000002", "服务器挂了，速回", bob.member_id)
    # the same notice is never sent again, even if its job ran once more
    from tack.ding import tasks

    async with app.state.uow_factory() as uow:
        await tasks.notify(uow, dict(job.args))
    assert len(gateway.requests) == 3


async def test_gateway_down_for_good_keeps_the_ding(app, cast, runner, clock, gateway):
    alice, bob = cast["alice"], cast["bob"]
    gateway.server.shutdown()
    gateway.server.server_close()  # connection refused from now on
    d = await ding(alice, bob, channel="call", remind_times=0)
    for _ in range(8):
        await run_all(runner)
        clock.advance(3600)
    [job] = await jobs(app, "ding.notify")
    assert job.status == "failed" and job.attempts == 6
    assert [r.status for r in await deliveries(app, d["id"])] == ["failed"] * 6
    # the DING itself is intact: bob still has it pending and can confirm it
    assert [p["ding_id"] for p in (await bob.get(bob.org("/dings/pending")))["items"]] == [d["id"]]
    await bob.post(bob.org(f"/dings/{d['id']}/confirm"))


def test_settings_pick_the_provider(monkeypatch):
    monkeypatch.setenv("TACK_DING_PROVIDER", "webhook")
    monkeypatch.setenv("TACK_DING_WEBHOOK_URL", "http://127.0.0.1:9/x")
    monkeypatch.setenv("TACK_DING_WEBHOOK_SECRET", "k")
    p = providers.from_settings()
    assert isinstance(p, providers.WebhookProvider) and p.url == "http://127.0.0.1:9/x"
    monkeypatch.setenv("TACK_DING_PROVIDER", "log")
    assert isinstance(providers.from_settings(), providers.LogProvider)
