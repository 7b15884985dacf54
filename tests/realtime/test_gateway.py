"""Register → snapshot → live events over a real WebSocket → drop → resume, and the rest of
the gateway's contract: long-poll, bad frames, auth, slow clients, expired queues."""

import asyncio
from collections import deque

import pytest
from websockets.exceptions import ConnectionClosed

from tack.core.tokens import hash_token
from tack.directory.auth import CSRF_HEADER, SESSION_COOKIE, csrf_token_for
from tests.chat.conftest import direct, group, send
from tests.realtime.conftest import connect, recv, recv_events, ws_url


async def register(api):
    return await api.post("/api/v1/realtime/register", json={"org_id": api.org_id})


async def closed_code(ws) -> int:
    with pytest.raises(ConnectionClosed) as info:
        for _ in range(100):
            await asyncio.wait_for(ws.recv(), 5)
    assert info.value.rcvd is not None
    return info.value.rcvd.code


class TestRegister:
    async def test_snapshot_has_conversations_with_unread_counts(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        await send(alice, d["id"], "在吗")
        reg = await register(bob)
        assert reg["last_event_id"] == 0 and reg["queue_id"]
        [c] = [c for c in reg["snapshot"]["conversations"] if c["managed"] is None]  # not the 全员群
        assert (c["id"], c["unread_count"], c["last_message"]["content"]["text"]) == (d["id"], 1, "在吗")

    async def test_other_org_is_refused(self, cast):
        dave, alice = cast["dave"], cast["alice"]
        r = await dave.post("/api/v1/realtime/register", json={"org_id": alice.org_id}, expect=404)
        assert r["code"] == "org_not_found"

    async def test_org_id_beyond_64_bits_is_refused(self, cast):
        bob = cast["bob"]
        for org_id in (2**63, 0, "x"):
            r = await bob.post("/api/v1/realtime/register", json={"org_id": org_id}, expect=422)
            assert r["code"] == "validation_error"


    async def test_bad_bodies_are_refused_as_the_router_would_before_the_caller(self, app, cast):
        """Register is served ahead of the router (gateway.LEAN): a body that is not JSON, not
        an object or has no org_id is 422 validation_error located under "body", even with no
        token (the body is checked first, as FastAPI does), and opens no queue."""
        bob = cast["bob"]
        client = bob.client
        url = "/api/v1/realtime/register"
        before = set(app.state.broker.queues)
        for raw, auth in ((b"{not json", True), (b"[1]", True), (b"{}", True), (b"", False)):
            headers = {"content-type": "application/json"}
            if auth:
                headers["authorization"] = f"Bearer {bob.token}"
            client.cookies.clear()
            r = await client.post(url, content=raw, headers=headers)
            body = r.json()
            assert (r.status_code, body["code"]) == (422, "validation_error"), (raw, body)
            assert body["errors"][0]["loc"][0] == "body", body
        assert set(app.state.broker.queues) == before

    async def test_who_may_register(self, app, cast):
        """Register's one-read caller check decides as get_caller + actor_for_org: no token or
        an unknown one 401, a cookie without its CSRF header 403 (with it: registered)."""
        bob = cast["bob"]
        client = bob.client
        url = "/api/v1/realtime/register"
        client.cookies.clear()
        r = await client.post(url, json={"org_id": bob.org_id})
        assert (r.status_code, r.json()["code"]) == (401, "not_authenticated")
        r = await client.post(url, json={"org_id": bob.org_id}, headers={"authorization": "Bearer nope"})
        assert (r.status_code, r.json()["code"]) == (401, "session_expired")
        secret = app.state.settings.resolved_secret_key
        cookie = {"cookie": f"{SESSION_COOKIE}={bob.token}"}
        r = await client.post(url, json={"org_id": bob.org_id}, headers=cookie)
        assert (r.status_code, r.json()["code"]) == (403, "csrf_failed")
        good = {**cookie, CSRF_HEADER: csrf_token_for(secret, hash_token(bob.token))}
        r = await client.post(url, json={"org_id": bob.org_id}, headers=good)
        assert r.status_code == 200 and r.json()["queue_id"] in app.state.broker.queues


class TestWebSocket:
    async def test_live_drop_resume_exactly_once_in_order(self, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        reg = await register(bob)
        qid = reg["queue_id"]
        async with connect(ws_url(live_url, queue_id=qid, last_event_id=0, token=bob.token)) as ws:
            m1 = await send(alice, d["id"], "第一条")
            [event] = await recv_events(ws, 1)
            assert (event["id"], event["type"], event["op"]) == (1, "message", "add")
            assert event["data"]["message"]["id"] == m1["id"] and event["org_id"] == bob.org_id
        # dropped: these arrive while nobody listens
        missed = [(await send(alice, d["id"], f"离线{i}"))["seq"] for i in range(3)]
        async with connect(ws_url(live_url, queue_id=qid, last_event_id=1, token=bob.token)) as ws:
            got = await recv_events(ws, 3)
            m5 = await send(alice, d["id"], "在线")
            got += await recv_events(ws, 1)
            assert [e["id"] for e in got] == [2, 3, 4, 5]
            assert [e["data"]["message"]["seq"] for e in got] == [*missed, m5["seq"]]
            # read pointer of bob reaches alice's queue, not bob's other messages
            with pytest.raises(TimeoutError):
                await recv(ws, timeout=0.3)

    async def test_read_pointer_reaches_the_sender_live(self, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        reg = await register(alice)
        async with connect(ws_url(live_url, queue_id=reg["queue_id"], last_event_id=0, token=alice.token)) as ws:
            m = await send(alice, g["id"], "请阅")
            [echo] = await recv_events(ws, 1)
            assert echo["data"]["message"]["client_msg_id"] is None and echo["data"]["message"]["id"] == m["id"]
            await bob.post(bob.org(f"/conversations/{g['id']}/read"), json={"seq": m["seq"]})
            [read] = await recv_events(ws, 1)
            assert (read["type"], read["data"]["pointer"]["member_id"]) == ("read", bob.member_id)

    async def test_bad_frames_get_an_error_and_the_socket_stays(self, cast, live_url):
        bob = cast["bob"]
        reg = await register(bob)
        async with connect(ws_url(live_url, queue_id=reg["queue_id"], last_event_id=0, token=bob.token)) as ws:
            await ws.send("not json {")
            assert (await recv(ws))["code"] == "bad_frame"
            await ws.send("[1, 2]")
            assert (await recv(ws))["code"] == "bad_frame"
            await ws.send('{"op": "dance"}')
            assert (await recv(ws))["code"] == "unknown_op"
            await ws.send(b"\xff\xfe")
            assert (await recv(ws))["code"] == "bad_frame"
            await ws.send('{"op": "ping"}')
            assert (await recv(ws))["type"] == "pong"

    async def test_auth_and_unknown_queues(self, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        reg = await register(bob)
        cases = [
            (dict(queue_id=reg["queue_id"], last_event_id=0, token="wrong"), 4401),
            (dict(queue_id=reg["queue_id"], last_event_id=0), 4401),
            (dict(queue_id="nope", last_event_id=0, token=bob.token), 4404),
            (dict(queue_id=reg["queue_id"], last_event_id=0, token=alice.token), 4404),  # not alice's queue
            (dict(queue_id=reg["queue_id"], last_event_id=7, token=bob.token), 4410),  # never given out
        ]
        for params, code in cases:
            async with connect(ws_url(live_url, **params)) as ws:
                frame = await recv(ws)
                assert frame["type"] == "error"
                assert await closed_code(ws) == code

    async def test_first_socket_after_register_skips_the_session_read_only_with_that_session(self, app, cast, live_url):
        """After a restart every client registers and connects at once: the queue's first
        socket, with the session that registered it moments ago, is let in without reading
        the session again; any other handshake reads it (and a bad token is still refused)."""
        from sqlalchemy import event

        from tack.realtime import queues

        bob = cast["bob"]
        reads: list[str] = []

        def count(_conn, _cursor, statement, *_):  # type: ignore[no-untyped-def]
            if "directory_auth_session" in statement:
                reads.append(statement)

        engine = app.state.read_engine.sync_engine
        event.listen(engine, "before_cursor_execute", count)

        async def handshake_reads(queue_id: str, token: str, *, refused: bool = False) -> int:
            reads.clear()  # register's own caller check reads the session too
            async with connect(ws_url(live_url, queue_id=queue_id, last_event_id=0, token=token)) as ws:
                if refused:
                    assert await closed_code(ws) == 4401
                else:
                    await ws.send('{"op": "ping"}')
                    assert (await recv(ws))["type"] == "pong"
            return len(reads)

        try:
            reg = await register(bob)
            assert await handshake_reads(reg["queue_id"], bob.token) == 0
            assert await handshake_reads(reg["queue_id"], bob.token) == 1  # the queue's second socket
            # A wrong token spends the fresh claim and is refused by the read.
            reg = await register(bob)
            assert await handshake_reads(reg["queue_id"], "wrong", refused=True) == 1
            assert await handshake_reads(reg["queue_id"], bob.token) == 1
            # Too late after register: read again.
            saved, queues.FRESH_SECONDS = queues.FRESH_SECONDS, -1.0
            try:
                reg = await register(bob)
                assert await handshake_reads(reg["queue_id"], bob.token) == 1
            finally:
                queues.FRESH_SECONDS = saved
        finally:
            event.remove(engine, "before_cursor_execute", count)

    async def test_session_cookie_same_origin_only(self, cast, live_url):
        bob = cast["bob"]
        reg = await register(bob)
        url = ws_url(live_url, queue_id=reg["queue_id"], last_event_id=0)
        cookie = {"Cookie": f"tack_session={bob.token}"}
        async with connect(url, additional_headers=cookie, origin=f"http://{live_url}") as ws:
            await ws.send('{"op": "ping"}')
            assert (await recv(ws))["type"] == "pong"
        async with connect(url, additional_headers=cookie, origin="http://evil.example") as ws:
            assert (await recv(ws))["code"] == "bad_origin"
            assert await closed_code(ws) == 4401

    async def test_heartbeat(self, app, cast, live_url):
        bob = cast["bob"]
        settings = app.state.broker.settings
        saved, settings.heartbeat_seconds = settings.heartbeat_seconds, 0.2
        try:
            reg = await register(bob)
            async with connect(ws_url(live_url, queue_id=reg["queue_id"], last_event_id=0, token=bob.token)) as ws:
                assert (await recv(ws, timeout=3))["type"] == "heartbeat"
        finally:
            settings.heartbeat_seconds = saved

    async def test_second_socket_replaces_the_first(self, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        reg = await register(bob)
        url = ws_url(live_url, queue_id=reg["queue_id"], last_event_id=0, token=bob.token)
        async with connect(url) as first:
            async with connect(url) as second:
                assert await closed_code(first) == 4009
                await send(alice, d["id"], "x")
                assert (await recv_events(second, 1))[0]["id"] == 1


class TestBackpressure:
    async def test_a_caught_up_socket_gets_frames_written_straight(self, app, cast, live_url):
        """Under `tack serve`'s protocol a live event is written to the socket at once (no
        drain task), in order, each exactly once."""
        bob = cast["bob"]
        broker = app.state.broker
        reg = await register(bob)
        queue = broker.queues[reg["queue_id"]]
        async with connect(ws_url(live_url, queue_id=queue.id, last_event_id=0, token=bob.token)) as ws:
            await ws.send('{"op": "ping"}')
            assert (await recv(ws))["type"] == "pong"  # attached
            conn = queue.conn
            assert conn is not None and conn.writer is not None
            for i in range(50):
                broker.deliver(bob.org_id, (queue.account_id,), b'{"type":"test","op":"add","n":%d}' % i)
                assert conn.drainer is None and conn.sent_id == i + 1
            got = await recv_events(ws, 50)
        assert [(e["id"], e["n"]) for e in got] == [(i + 1, i) for i in range(50)]

    async def test_slow_client_is_cut_off_and_resumes_without_loss(self, app, cast, live_url):
        bob = cast["bob"]
        broker = app.state.broker
        reg = await register(bob)
        queue = broker.queues[reg["queue_id"]]
        queue.slow_limit = 3
        account = queue.account_id
        async with connect(ws_url(live_url, queue_id=queue.id, last_event_id=0, token=bob.token)) as ws:
            await ws.send('{"op": "ping"}')
            assert (await recv(ws))["type"] == "pong"  # attached
            # Frames go straight to a socket that keeps up; one whose transport pauses (full
            # buffers) falls back to the awaited ASGI path, as this one now does.
            queue.conn.writer = None
            for i in range(6):  # one burst, before the socket's writer can run
                broker.deliver(bob.org_id, (account,), b'{"type":"test","op":"add","n":%d}' % i)
            assert await closed_code(ws) == 4008
        async with connect(ws_url(live_url, queue_id=queue.id, last_event_id=0, token=bob.token)) as ws:
            got = await recv_events(ws, 6)
        assert [(e["id"], e["n"]) for e in got] == [(i + 1, i) for i in range(6)]

    async def test_missing_more_than_the_buffer_means_register_again(self, app, cast, live_url):
        bob = cast["bob"]
        broker = app.state.broker
        reg = await register(bob)
        queue = broker.queues[reg["queue_id"]]
        queue.frames = deque(maxlen=3)
        for i in range(5):
            broker.deliver(bob.org_id, (queue.account_id,), b'{"type":"test","op":"add","n":%d}' % i)
        # ids 3..5 are still there
        polled = await bob.get("/api/v1/realtime/events", params={"queue_id": queue.id, "last_event_id": 2, "timeout": 0})
        assert [e["id"] for e in polled["events"]] == [3, 4, 5]
        async with connect(ws_url(live_url, queue_id=queue.id, last_event_id=1, token=bob.token)) as ws:
            assert (await recv(ws))["code"] == "queue_expired"
            assert await closed_code(ws) == 4410
        r = await bob.get("/api/v1/realtime/events", params={"queue_id": queue.id, "last_event_id": 1}, expect=404)
        assert r["code"] == "queue_not_found"


class TestLongPoll:
    async def test_waits_for_the_next_event(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        reg = await register(bob)
        params = {"queue_id": reg["queue_id"], "last_event_id": 0, "timeout": 5}
        poll = asyncio.create_task(bob.client.get("/api/v1/realtime/events", params=params, headers={"authorization": f"Bearer {bob.token}"}))
        await asyncio.sleep(0.2)
        assert not poll.done()
        await send(alice, d["id"], "长轮询")
        r = await asyncio.wait_for(poll, 5)
        [event] = r.json()["events"]
        assert (event["id"], event["data"]["message"]["content"]["text"]) == (1, "长轮询")
        empty = await bob.get("/api/v1/realtime/events", params={**params, "last_event_id": 1, "timeout": 0})
        assert empty["events"] == []
        r = await bob.get("/api/v1/realtime/events", params={**params, "queue_id": "nope"}, expect=404)
        assert r["code"] == "queue_not_found"


class TestRegisterOrder:
    async def test_queue_exists_before_the_snapshot_is_read(self, app, cast, monkeypatch):
        """A message committed while the snapshot is being read must reach the queue."""
        from tack.chat.actions.sending import check_send_message
        from tack.chat.schemas import MessageCreate
        from tack.directory.access import actor_for_org
        from tack.realtime import gateway

        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        real = gateway._snapshot

        async def snapshot_with_a_concurrent_send(app_, actor):  # type: ignore[no-untyped-def]
            async with app.state.uow_factory() as uow:
                alice_actor = await actor_for_org(uow.session, (await alice.get("/api/v1/me"))["id"], alice.org_id)
                await check_send_message(uow, alice_actor, d["id"], MessageCreate(text="夹在中间"), limits=app.state.chat_limits)
            return await real(app_, actor)

        monkeypatch.setattr(gateway, "_snapshot", snapshot_with_a_concurrent_send)
        reg = await register(bob)
        polled = await bob.get(
            "/api/v1/realtime/events", params={"queue_id": reg["queue_id"], "last_event_id": 0, "timeout": 0}
        )
        assert [e["data"]["message"]["content"]["text"] for e in polled["events"]] == ["夹在中间"]
