"""Client queues: numbered events kept for resuming, and the wake-up of whoever is waiting."""

import asyncio
import time
from collections import deque
from typing import Any, Protocol


# How long after register its session may open the queue's first socket without being read
# again (see ClientQueue.claim_fresh).
FRESH_SECONDS = 10.0


class QueueExpired(Exception):
    """The client is further behind than the queue remembers; it must register again."""


class Attached(Protocol):
    sent_id: int

    def deliver(self, event_id: int, frame: bytes) -> None: ...

    def cut(self, code: int) -> None: ...

    def tick(self, now: float, settings: Any) -> None: ...


class ClientQueue:
    """One registered client (a browser tab, an app, a bot): its events, numbered 1, 2, 3...

    Frames are `{"id":N,` + the event's shared bytes: the event is JSON-encoded once by the
    broker and only this short prefix differs per queue. The last `limit` frames are kept
    (a ring), so a client that drops and reconnects receives exactly what it missed, in
    order; one that missed more than that gets QueueExpired and registers again.
    """

    __slots__ = ("id", "account_id", "org_id", "next_id", "frames", "limit", "slow_limit", "touched", "_wake", "conn", "fresh")

    def __init__(self, queue_id: str, account_id: int, org_id: int, *, limit: int, slow_limit: int) -> None:
        self.id = queue_id
        self.account_id = account_id
        self.org_id = org_id
        self.next_id = 0
        # The ring is made by the first push: an empty deque is ~0.6 KB (its first block), and
        # most of thousands of idle clients' queues hold nothing for a long time.
        self.frames: deque[tuple[int, bytes]] | None = None
        self.limit = limit
        self.slow_limit = slow_limit
        self.touched = time.monotonic()
        self._wake: asyncio.Event | None = None
        # The attached socket, if any (see gateway.Connection): its sent_id and cut().
        self.conn: Attached | None = None
        # (token hash, when) of the session that registered it, until its first socket.
        self.fresh: tuple[str, float] | None = None

    def claim_fresh(self, token_hash: str, now: float) -> bool:
        """Whether a socket handshake with this session may skip reading it again: only the
        first one, only with the session that registered the queue, only within
        FRESH_SECONDS of that. Why this is no weaker than reading it: register read the
        session moments ago, and a socket opened then would stay open after a sign-out
        anyway (write frames re-check the session every batch; the socket's age is capped).
        What it saves: a read per client when thousands reconnect at once after a restart."""
        fresh, self.fresh = self.fresh, None
        return fresh is not None and fresh[0] == token_hash and now - fresh[1] <= FRESH_SECONDS

    @property
    def last_event_id(self) -> int:
        return self.next_id

    def push(self, body: bytes) -> None:
        self.next_id += 1
        frame = b'{"id":%d,' % self.next_id + body[1:]
        frames = self.frames
        if frames is None:
            frames = self.frames = deque(maxlen=self.limit)
        frames.append((self.next_id, frame))
        if self._wake is not None:
            self._wake.set()
            self._wake = None
        conn = self.conn
        if conn is not None:
            conn.deliver(self.next_id, frame)
            if self.next_id - conn.sent_id > self.slow_limit:
                # The socket is not keeping up: cut it off rather than buffer without end;
                # the client resumes from the last id it saw.
                conn.cut(4008)

    def since(self, last_event_id: int) -> list[tuple[int, bytes]]:
        """Frames after last_event_id, in order; QueueExpired when some are gone."""
        if last_event_id > self.next_id or last_event_id < 0:
            raise QueueExpired("last_event_id is not one this queue gave out")
        if last_event_id == self.next_id:
            return []
        frames = self.frames
        oldest = frames[0][0] if frames else self.next_id + 1
        if last_event_id < oldest - 1:
            raise QueueExpired("events after last_event_id were dropped")
        assert frames is not None
        skip = last_event_id - oldest + 1
        return [frames[i] for i in range(skip, len(frames))]

    async def wait(self, timeout: float) -> None:
        """Returns when an event arrives or after timeout."""
        if self._wake is None:
            self._wake = asyncio.Event()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            pass

    def touch(self) -> None:
        self.touched = time.monotonic()
