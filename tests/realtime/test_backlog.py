"""A backlog larger than the transport's buffer (the direct writer pauses, the drain task
waits for the transport) resumes complete and in order; a backlog goes out in chunks of
many frames per write (wire.try_write_many)."""

import asyncio
import struct
from types import SimpleNamespace

from websockets.protocol import State

from tack.realtime.wire import CHUNK_BYTES, TackWebSocketProtocol
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


async def test_backlog_goes_out_in_few_writes_complete_and_in_order(app, cast, live_url, monkeypatch):
    """A resuming client's missed events leave in chunks (one transport write each), not one
    send per event, and arrive all of them, in order, each once."""
    bob = cast["bob"]
    broker = app.state.broker
    reg = await register(bob)
    queue = broker.queues[reg["queue_id"]]
    for i in range(400):
        broker.deliver(bob.org_id, (queue.account_id,), b'{"type":"test","op":"add","n":%d}' % i)
    chunks: list[int] = []
    real = TackWebSocketProtocol.try_write_many

    def counted(self, items, start=0, max_bytes=CHUNK_BYTES):  # type: ignore[no-untyped-def]
        written = real(self, items, start, max_bytes)
        if written:
            chunks.append(written)
        return written

    monkeypatch.setattr(TackWebSocketProtocol, "try_write_many", counted)
    async with connect(ws_url(live_url, queue_id=queue.id, last_event_id=100, token=bob.token)) as ws:
        got = await recv_events(ws, 300)
        broker.deliver(bob.org_id, (queue.account_id,), b'{"type":"test","op":"add","n":400}')
        [live] = await recv_events(ws, 1)
    assert [e["id"] for e in got] == list(range(101, 401))
    assert [e["n"] for e in got] == list(range(100, 400))
    assert (live["id"], live["n"]) == (401, 400)
    assert sum(chunks) == 300 and len(chunks) <= 2


class _Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closing


def _writer() -> TackWebSocketProtocol:
    """The frame writer alone, open, on a transport that records its writes."""
    writer = TackWebSocketProtocol.__new__(TackWebSocketProtocol)
    writer.close_sent = writer.disconnected = False
    writer.handshake_complete = True
    writer.writable = asyncio.Event()
    writer.writable.set()
    writer.conn = SimpleNamespace(state=State.OPEN)
    writer.transport = _Transport()
    return writer


def _frames(data: bytes) -> list[bytes]:
    """Payloads of unmasked binary frames, as a client's parser reads them."""
    out, i = [], 0
    while i < len(data):
        assert data[i] == 0x82  # FIN + binary
        length, i = data[i + 1], i + 2
        if length == 126:
            length, i = struct.unpack("!H", data[i:i + 2])[0], i + 2
        elif length == 127:
            length, i = struct.unpack("!Q", data[i:i + 8])[0], i + 8
        out.append(data[i:i + length])
        i += length
    return out


def test_try_write_many_chunks_in_order_and_respects_pause():
    writer = _writer()
    items = [(n, b"%d:" % n + b"y" * (n * 50)) for n in range(1, 41)]  # 1..40, some over 126 bytes
    sent, start = [], 0
    while start < len(items):
        written = writer.try_write_many(items, start, max_bytes=4000)
        assert written >= 1
        sent.extend(_frames(writer.transport.writes[-1]))
        start += written
    assert sent == [p for _, p in items]
    assert len(writer.transport.writes) < len(items)
    # One frame larger than a chunk still goes, alone.
    assert writer.try_write_many([(1, b"z" * 70_000)], max_bytes=1000) == 1
    assert _frames(writer.transport.writes[-1]) == [b"z" * 70_000]
    # Paused or closing: nothing is written; the caller takes the awaited path.
    before = len(writer.transport.writes)
    writer.writable.clear()
    assert writer.try_write_many(items) == 0
    writer.writable.set()
    writer.transport.closing = True
    assert writer.try_write_many(items) == 0
    assert writer.try_write_many([], 0) == 0
    assert len(writer.transport.writes) == before
