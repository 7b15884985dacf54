"""The in-process event bus: encodes each event once and appends it to the queues of its audience.

A Redis broker (several server processes) will implement the same `publish` by PUBLISHing
the encoded bytes per account and calling `deliver` on each process for the accounts whose
queues it holds; queues, numbering and resume stay as they are.
"""

import json
import secrets
import time
from datetime import UTC, datetime

from tack.core.events import Event
from tack.realtime.queues import ClientQueue
from tack.realtime.settings import RealtimeSettings

GC_EVERY_SECONDS = 60


def encode(event: Event) -> bytes:
    """The envelope {type, op, org_id, ts, data}; the queue adds its own "id" in front."""
    envelope = {
        "type": event.type,
        "op": event.op,
        "org_id": event.org_id,
        "ts": datetime.now(UTC).isoformat(),
        "data": event.data,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


class InProcessBroker:
    """Implements core.events.EventBus for a single server process."""

    def __init__(self, settings: RealtimeSettings | None = None) -> None:
        self.settings = settings or RealtimeSettings()
        self.queues: dict[str, ClientQueue] = {}
        self.by_account: dict[int, set[ClientQueue]] = {}
        self.attached: set[str] = set()
        self._last_gc = time.monotonic()

    def register(self, account_id: int, org_id: int) -> ClientQueue:
        self.collect_idle()
        queue = ClientQueue(
            secrets.token_urlsafe(16),
            account_id,
            org_id,
            limit=self.settings.buffer_events,
            slow_limit=min(self.settings.slow_client_events, self.settings.buffer_events),
        )
        self.queues[queue.id] = queue
        self.by_account.setdefault(account_id, set()).add(queue)
        return queue

    def get(self, queue_id: str, account_id: int) -> ClientQueue | None:
        """A queue of this account; another account's queue id is as unknown as a wrong one."""
        queue = self.queues.get(queue_id)
        if queue is None or queue.account_id != account_id:
            return None
        queue.touch()
        return queue

    def drop(self, queue: ClientQueue) -> None:
        self.queues.pop(queue.id, None)
        self.attached.discard(queue.id)
        mine = self.by_account.get(queue.account_id)
        if mine is not None:
            mine.discard(queue)
            if not mine:
                del self.by_account[queue.account_id]

    def collect_idle(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_gc < GC_EVERY_SECONDS:
            return
        self._last_gc = now
        idle = self.settings.queue_idle_seconds
        for queue in [q for q in self.queues.values() if q.id not in self.attached and now - q.touched > idle]:
            self.drop(queue)

    async def publish(self, events: list[Event]) -> None:
        for event in events:
            self.deliver(event.org_id, event.to_accounts, encode(event))

    def deliver(self, org_id: int, accounts: tuple[int, ...], body: bytes) -> None:
        """The same bytes go to every queue; a queue registered for another org skips it."""
        for account_id in accounts:
            for queue in self.by_account.get(account_id, ()):
                if queue.org_id == org_id:
                    queue.push(body)
