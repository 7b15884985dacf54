"""A backlog larger than the transport's buffer (the direct writer pauses, the drain task
waits for the transport) resumes complete and in order."""

from tests.realtime.conftest import connect, recv_events, ws_url
from tests.realtime.test_gateway import register


async def test_big_backlog_resumes(app, cast, live_url):
    bob = cast["bob"]
    broker = app.state.broker
    reg = await register(bob)
    queue = broker.queues[reg["queue_id"]]
    pad = b"x" * 2000
    for i in range(1500):
        broker.deliver(bob.org_id, (queue.account_id,), b'{"type":"test","op":"add","n":%d,"p":"%s"}' % (i, pad))
    async with connect(ws_url(live_url, queue_id=queue.id, last_event_id=0, token=bob.token), max_size=None) as ws:
        got = await recv_events(ws, 1500)
    assert [e["n"] for e in got] == list(range(1500))
