"""The in-process event bus: encodes each event once and appends it to the queues of its audience.

A Redis broker (several server processes) will implement the same `publish` by PUBLISHing
the encoded bytes per account and calling `deliver` on each process for the accounts whose
queues it holds; queues, numbering and resume stay as they are.
"""

import asyncio
import secrets
import time
from datetime import UTC, datetime

from pydantic_core import to_json

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
    # pydantic-core's encoder: the same bytes as json.dumps(ensure_ascii=False, compact), in
    # about a seventh of the time (every read mark and message event is encoded here).
    return to_json(envelope)


class InProcessBroker:
    """Implements core.events.EventBus for a single server process."""

    def __init__(self, settings: RealtimeSettings | None = None) -> None:
        self.settings = settings or RealtimeSettings()
        self.queues: dict[str, ClientQueue] = {}
        self.by_account: dict[int, set[ClientQueue]] = {}
        self.attached: set[str] = set()
        self._last_gc = time.monotonic()
        self._sweep: asyncio.TimerHandle | None = None
        self._sweep_loop: asyncio.AbstractEventLoop | None = None
        self._sweep_due = 0.0

    def register(self, account_id: int, org_id: int, *, token_hash: str | None = None) -> ClientQueue:
        """A new queue; `token_hash`: the session that registered it, which may open its first
        socket without being read again (ClientQueue.claim_fresh)."""
        self.collect_idle()
        queue = ClientQueue(
            secrets.token_urlsafe(16),
            account_id,
            org_id,
            limit=self.settings.buffer_events,
            slow_limit=min(self.settings.slow_client_events, self.settings.buffer_events),
        )
        if token_hash is not None:
            queue.fresh = (token_hash, time.monotonic())
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

    def attach(self, queue: ClientQueue) -> None:
        """A socket now serves this queue (queue.conn); the sweep keeps it alive."""
        self.attached.add(queue.id)
        self._schedule_sweep()

    def detach(self, queue: ClientQueue) -> None:
        self.attached.discard(queue.id)

    def _schedule_sweep(self) -> None:
        """One timer for every socket's heartbeat and age, instead of a timer per socket."""
        loop = asyncio.get_running_loop()
        interval = max(0.02, min(self.settings.heartbeat_seconds, self.settings.connection_max_seconds) / 4)
        due = loop.time() + interval
        if self._sweep is not None and self._sweep_loop is loop and self._sweep_due <= due:
            return
        if self._sweep is not None:
            self._sweep.cancel()
        self._sweep_loop, self._sweep_due = loop, due
        self._sweep = loop.call_at(due, self._run_sweep)

    def _run_sweep(self) -> None:
        self._sweep = None
        now = time.monotonic()
        for queue_id in list(self.attached):
            queue = self.queues.get(queue_id)
            conn = queue.conn if queue is not None else None
            if conn is not None:
                conn.tick(now, self.settings)
        if self.attached:
            self._schedule_sweep()

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
            self.deliver(event.org_id, event.to_accounts, encode(event), event.except_queue)

    def deliver(self, org_id: int, accounts: tuple[int, ...], body: bytes, except_queue: str | None = None) -> None:
        """The same bytes go to every queue; a queue registered for another org skips it, and
        so does the one the event names as already answered."""
        for account_id in accounts:
            for queue in self.by_account.get(account_id, ()):
                if queue.org_id == org_id and queue.id != except_queue:
                    queue.push(body)
