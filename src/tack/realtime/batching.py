"""Write frames from every socket, committed in batches (group commit).

Why: a frame that writes (send, read) is a unit of work of its own over HTTP; over sockets
hundreds arrive per second, and most of the cost of each is the transaction around it
(BEGIN, the session check, COMMIT) and statements that could serve many frames at once.
The first frame to arrive is written at once; frames arriving while a batch is being
written wait for it to commit and then go together in the next one. Each frame is still
answered only after the COMMIT holding its change (an ack means durable), in order per
socket, and a refused frame writes nothing and does not affect the others.

If a batch fails as a whole (a conflict between two frames the checks could not foresee,
or a bug), it is rolled back and its frames are written again one per transaction, so one
bad frame cannot take the others down with it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from itertools import groupby
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import AppError, Unauthorized
from tack.directory.access import actors_for_sessions
from tack.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_BATCH = 256

# op name → handler of that op's frames, in order: an answer (a model) or the error per frame.
# Each frame comes as (actor, frame, origin): origin is the sending socket's client queue, which
# its answer already informs (events may skip it: core.events.Event.except_queue).
OpFrame = tuple[Actor, dict[str, Any], str | None]
OpHandler = Callable[[UnitOfWork, list[OpFrame], Any], Awaitable[list[Any]]]


class Sender(Protocol):
    """What the batcher needs of a socket (realtime.gateway.Connection)."""

    token_hash: str
    in_flight: int

    @property
    def queue_id(self) -> str | None: ...

    @property
    def account_id(self) -> int: ...

    @property
    def org_id(self) -> int: ...

    def answered(self, op: str, frame: dict[str, Any], answer: Any) -> None: ...


class SocketOpBatcher:
    def __init__(self, uow_factory: UnitOfWorkFactory, ops: dict[str, OpHandler], state: Any) -> None:
        self.uow_factory = uow_factory
        self.ops = ops
        self.state = state
        self._waiting: list[tuple[Sender, str, dict[str, Any]]] = []
        self._writer: asyncio.Task[None] | None = None
        # One session for every batch: batches are written one at a time (by _write_all).
        self._session: AsyncSession | None = None
        self.batches = 0  # written so far (for tests and the benchmark)

    def submit(self, sender: Sender, op: str, frame: dict[str, Any]) -> None:
        """Queues a frame; the socket is answered (sender.answered) after its batch commits."""
        sender.in_flight += 1
        self._waiting.append((sender, op, frame))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_all())

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                answers = await self._write(batch)
            except Exception:  # noqa: BLE001 - every frame is answered one by one below
                log.warning("socket batch of %d failed; writing its frames one by one", len(batch), exc_info=True)
                answers = []
                for item in batch:
                    try:
                        answers.extend(await self._write([item]))
                    except Exception as exc:  # noqa: BLE001 - handed to that frame's socket
                        answers.append(exc)
            for (sender, op, frame), answer in zip(batch, answers, strict=True):
                sender.in_flight -= 1
                sender.answered(op, frame, answer)

    async def _write(self, batch: list[tuple[Sender, str, dict[str, Any]]]) -> list[Any]:
        answers: list[Any] = [None] * len(batch)
        if self._session is None:
            self._session = self.uow_factory.sessionmaker()
        async with self.uow_factory.reusing(self._session) as uow:
            # The write transaction first: on SQLite it takes the write lock, so the session
            # checks and reads below see every earlier commit (a sign-out included).
            await uow.connection()
            actors = await self._actors(uow, batch)
            for op, run in groupby(range(len(batch)), key=lambda i: batch[i][1]):
                indexes = [i for i in run if not isinstance(actors[i], BaseException)]
                if not indexes:
                    continue
                frames = [(actors[i], batch[i][2], batch[i][0].queue_id) for i in indexes]
                results = await self.ops[op](uow, frames, self.state)
                for i, result in zip(indexes, results, strict=True):
                    answers[i] = result
        self.batches += 1
        return [actors[i] if isinstance(actors[i], BaseException) else answer for i, answer in enumerate(answers)]

    async def _actors(self, uow: UnitOfWork, batch: list[tuple[Sender, str, dict[str, Any]]]) -> list[Any]:
        """Each socket's session checked again (one read per org for the batch), so a socket
        that outlives its sign-out, or its member's deactivation, can no longer write."""
        now = utc_now()
        by_org: dict[int, set[str]] = {}
        for sender, _, _ in batch:
            by_org.setdefault(sender.org_id, set()).add(sender.token_hash)
        resolved = {org_id: await actors_for_sessions(uow.session, org_id, sorted(hashes), now) for org_id, hashes in by_org.items()}
        out: list[Actor | AppError] = []
        for sender, _, _ in batch:
            actor = resolved[sender.org_id][sender.token_hash]
            if isinstance(actor, Actor) and actor.account_id != sender.account_id:
                actor = Unauthorized()
            out.append(actor)
        return out
