"""What an idle socket holds (thousands stay open for hours: docs/performance.md, chat memory):
no event ring before the first event, no lock before the first awaited send, no parsed
handshake after it is answered, no asyncio.Queue/Event deques in the protocol, and no
FastAPI route machinery (realtime/lane.py) — and each of these still works once needed."""

import asyncio

import pytest
from websockets.exceptions import InvalidStatus

from tack.realtime.wire import _Flag, _Inbox
from tests.realtime.conftest import connect, recv, recv_events, ws_url


async def test_an_idle_socket_holds_only_what_it_uses(app, cast, live_url):
    bob = cast["bob"]
    broker = app.state.broker
    reg = await bob.post("/api/v1/realtime/register", json={"org_id": bob.org_id})
    queue = broker.queues[reg["queue_id"]]
    assert queue.frames is None
    async with connect(ws_url(live_url, queue_id=queue.id, last_event_id=0, token=bob.token)) as ws:
        await ws.send('{"op": "ping"}')
        assert (await recv(ws))["type"] == "pong"
        conn = queue.conn
        assert conn is not None and conn.lock is None
        protocol = conn.writer
        assert protocol.request is None and protocol.response is None
        assert isinstance(protocol.queue, _Inbox) and isinstance(protocol.writable, _Flag)
        # Served by the lane, not routed: the router would have put its endpoint in the scope.
        assert "endpoint" not in conn.websocket.scope
        broker.deliver(bob.org_id, (queue.account_id,), b'{"type":"test","op":"add","n":1}')
        [event] = await recv_events(ws, 1)
        assert event["id"] == 1 and len(queue.frames) == 1


@pytest.mark.parametrize("value", ["abc", "1.5", ""])
async def test_a_last_event_id_that_is_not_an_integer_is_refused(cast, live_url, value):
    bob = cast["bob"]
    reg = await bob.post("/api/v1/realtime/register", json={"org_id": bob.org_id})
    with pytest.raises(InvalidStatus) as info:
        async with connect(ws_url(live_url, queue_id=reg["queue_id"], last_event_id=value, token=bob.token)):
            pass
    assert info.value.response.status_code == 403


async def test_inbox_hands_items_over_in_order_and_survives_a_cancelled_getter():
    inbox = _Inbox()
    inbox.put_nowait(1)
    assert await inbox.get() == 1 and inbox.empty()
    waiting = asyncio.create_task(inbox.get())
    cancelled = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    cancelled.cancel()
    inbox.put_nowait(2)
    inbox.put_nowait(3)
    assert await asyncio.wait_for(waiting, 1) == 2
    assert await asyncio.wait_for(inbox.get(), 1) == 3
    assert inbox._waiters is None


async def test_flag_wakes_every_waiter():
    flag = _Flag()
    waiters = [asyncio.create_task(flag.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    flag.set()
    assert await asyncio.wait_for(asyncio.gather(*waiters), 1) == [True, True, True]
    flag.clear()
    assert not flag.is_set() and flag._waiters is None


def test_freed_heap_goes_back_to_the_os_on_glibc():
    import platform

    from tack.core import memory

    assert memory.trim() is (platform.libc_ver()[0] == "glibc")
