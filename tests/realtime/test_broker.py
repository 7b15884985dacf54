"""The in-process broker and client queues, without sockets."""

import pytest

from tack.core.events import Event
from tack.realtime import broker as broker_module
from tack.realtime.broker import InProcessBroker
from tack.realtime.queues import QueueExpired
from tack.realtime.settings import RealtimeSettings


def test_encodes_once_and_routes_by_account_and_org(monkeypatch):
    calls = []
    real = broker_module.encode
    monkeypatch.setattr(broker_module, "encode", lambda e: calls.append(e) or real(e))
    broker = InProcessBroker(RealtimeSettings())
    a1, a2 = broker.register(1, org_id=10), broker.register(1, org_id=10)
    b = broker.register(2, org_id=10)
    other_org = broker.register(1, org_id=20)
    nobody = broker.register(3, org_id=10)
    event = Event(type="message", op="add", org_id=10, data={"text": "你好"}, to_accounts=(1, 2))

    import asyncio

    asyncio.run(broker.publish([event]))
    assert len(calls) == 1
    frames = [q.since(0) for q in (a1, a2, b)]
    assert all(len(f) == 1 and f[0][0] == 1 for f in frames)
    # one encoding: every queue's frame is `{"id":1,` + the same bytes
    assert len({f[0][1] for f in frames}) == 1 and frames[0][0][1].startswith(b'{"id":1,"type":"message"')
    assert other_org.since(0) == [] and nobody.since(0) == []


def test_since_and_expiry():
    broker = InProcessBroker(RealtimeSettings(buffer_events=3))
    q = broker.register(1, org_id=1)
    for i in range(5):
        broker.deliver(1, (1,), b'{"n":%d}' % i)
    assert [i for i, _ in q.since(2)] == [3, 4, 5]
    assert q.since(5) == []
    with pytest.raises(QueueExpired):
        q.since(1)
    with pytest.raises(QueueExpired):
        q.since(6)


def test_idle_queues_are_collected():
    broker = InProcessBroker(RealtimeSettings(queue_idle_seconds=0))
    q = broker.register(1, org_id=1)
    broker.attached.add(q.id)
    kept = broker.register(2, org_id=1)
    broker.attached.discard(kept.id)
    broker.collect_idle(force=True)
    assert q.id in broker.queues and kept.id not in broker.queues and 2 not in broker.by_account
