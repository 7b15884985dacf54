"""The job runner: claims due jobs, runs their handlers, retries with backoff, keeps failures.

How one job goes:

1. claim: in a short transaction, pick due rows (queued and `run_at` passed, or running
   with an expired lease) with `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite
   ignores the clause; its writers are serialised by BEGIN IMMEDIATE), then mark them
   running under a lease token unique to this claim, `attempts + 1`, and COMMIT.
2. run: the handler gets a unit of work of its own. The job is marked done in that same
   transaction, on condition that our lease token is still on the row: if the lease ran out
   and another runner took the job over, the UPDATE finds nothing and everything the
   handler wrote is rolled back. Database effects therefore happen exactly once.
3. fail: the handler raised (or timed out): in a new transaction the job goes back to
   queued at now + backoff (exponential, with jitter), or, after its last attempt, to
   failed with the error kept for the org's admins.

A process that dies mid-job leaves a running row whose lease expires; any runner then claims
it again (a crash counts as an attempt, so a job that kills its process cannot loop for
ever). A graceful stop hands unfinished jobs back without counting the attempt.
"""

import asyncio
import logging
import os
import random
import secrets
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from tack.core.clock import utc_now
from tack.jobs.registry import JobRegistry
from tack.storage.jobs_table import Job
from tack.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("tack.jobs")
jobs_table = Job.__table__
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before attempt n+1 after attempt n failed: base·2^(n-1), capped, with "equal
    jitter" (between half and all of that step), so failing jobs of one burst spread out."""

    base_seconds: float = 10.0
    cap_seconds: float = 3600.0

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        step = min(self.cap_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        return step / 2 + rand() * step / 2


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    name: str
    args: dict[str, Any]
    attempts: int
    max_attempts: int
    token: str


class LeaseLost(Exception):
    """The job's lease expired and another runner claimed it; this attempt's writes roll back."""


class UnknownJob(Exception):
    pass


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "TimeoutError: the handler ran longer than its time limit"
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[:MAX_ERROR_CHARS]


class JobRunner:
    """Runs due jobs in this process, with up to `concurrency` handlers at a time.

    `start()`/`stop()` run the polling loop (main.py ties them to the app's lifespan);
    `wake(at)` is the unit of work's after-commit nudge; `run_once()` runs what is due now
    and returns, for tests and scripts. `clock` and `rand` are injectable for tests.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        registry: JobRegistry,
        *,
        clock: Callable[[], datetime] = utc_now,
        poll_seconds: float = 2.0,
        lease_seconds: float = 300.0,
        concurrency: int = 4,
        backoff: Backoff = Backoff(),
        rand: Callable[[], float] = random.random,
        worker_id: str | None = None,
        shutdown_grace_seconds: float = 10.0,
        keep_done_days: float = 7.0,
    ) -> None:
        self.uow_factory = uow_factory
        self.registry = registry
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.concurrency = max(1, concurrency)
        self.backoff = backoff
        self.rand = rand
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.shutdown_grace_seconds = shutdown_grace_seconds
        self.keep_done = timedelta(days=keep_done_days)
        self._claims = 0
        self._event = asyncio.Event()
        self._planned: datetime | None = None
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None
        self._tasks: dict[asyncio.Task[None], ClaimedJob] = {}
        self._next_prune: datetime | None = None

    # -- the loop -------------------------------------------------------------------------

    def wake(self, at: datetime | None = None) -> None:
        """Called after a commit that wrote jobs; `at` is the earliest of their run times."""
        if at is None or self._planned is None or at <= self._planned:
            self._event.set()

    async def start(self) -> None:
        if self._loop_task is None:
            self._stopping = False
            self._loop_task = asyncio.create_task(self._loop(), name="tack-jobs")

    async def stop(self) -> None:
        """Stop claiming; give running handlers `shutdown_grace_seconds`, then cancel them and
        hand their jobs back (queued, attempt not counted) so the next start runs them."""
        if self._loop_task is None:
            return
        self._stopping = True
        self._event.set()
        await self._loop_task
        self._loop_task = None
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(list(self._tasks), timeout=self.shutdown_grace_seconds)
        unfinished = [self._tasks[t] for t in pending if t in self._tasks]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if unfinished:
            await self._release(unfinished)

    async def _loop(self) -> None:
        while not self._stopping:
            self._event.clear()
            self._planned = None
            free = self.concurrency - len(self._tasks)
            busy = free <= 0
            if not busy:
                try:
                    claimed = await self._claim(free)
                except Exception:
                    log.exception("claiming jobs failed; retrying in %.1fs", self.poll_seconds)
                    claimed = []
                    busy = True  # wait a poll interval rather than spin on a broken database
                for job in claimed:
                    self._spawn(job)
                busy = busy or len(claimed) == free
            if busy:
                timeout = self.poll_seconds  # a finishing handler sets the event
            else:
                timeout = await self._idle_seconds()
                await self._maybe_prune()
            self._planned = self.clock() + timedelta(seconds=timeout)
            if self._event.is_set() or self._stopping:
                continue
            try:
                await asyncio.wait_for(self._event.wait(), timeout)
            except TimeoutError:
                pass

    def _spawn(self, job: ClaimedJob) -> None:
        task = asyncio.create_task(self._execute(job), name=f"tack-job-{job.id}")
        self._tasks[task] = job
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)
        self._event.set()

    async def _idle_seconds(self) -> float:
        try:
            nxt = await self.next_due()
        except Exception:
            log.exception("reading the next due job failed")
            return self.poll_seconds
        if nxt is None:
            return self.poll_seconds
        wait = (nxt - self.clock()).total_seconds()
        # Due but not claimed: another runner holds it for a moment; do not spin.
        return min(self.poll_seconds, max(wait, 0.05))

    async def _maybe_prune(self) -> None:
        now = self.clock()
        if self._next_prune is not None and now < self._next_prune:
            return
        self._next_prune = now + timedelta(minutes=10)
        try:
            async with self.uow_factory() as uow:
                await uow.session.execute(
                    delete(jobs_table).where(
                        jobs_table.c.status == "done", jobs_table.c.finished_at < now - self.keep_done
                    )
                )
        except Exception:
            log.exception("pruning finished jobs failed")

    # -- one pass, for tests and scripts --------------------------------------------------

    async def run_once(self, limit: int = 100) -> int:
        """Claim what is due now (at most `limit`), run it to the end, return how many ran."""
        claimed = await self._claim(limit)
        gate = asyncio.Semaphore(self.concurrency)

        async def run(job: ClaimedJob) -> None:
            async with gate:
                await self._execute(job)

        await asyncio.gather(*(run(job) for job in claimed))
        return len(claimed)

    async def next_due(self) -> datetime | None:
        """When the next job becomes claimable: a queued run_at or a running lease's end."""
        async with self.uow_factory() as uow:
            # A read: on SQLite it must not take the write lock (BEGIN IMMEDIATE).
            await uow.session.connection(execution_options={"sqlite_begin": "DEFERRED"})
            queued = await uow.session.scalar(select(func.min(Job.run_at)).where(Job.status == "queued"))
            lease = await uow.session.scalar(select(func.min(Job.locked_until)).where(Job.status == "running"))
        times = [t for t in (queued, lease) if t is not None]
        return min(times) if times else None

    # -- claim, run, finish ---------------------------------------------------------------

    def _due(self, now: datetime) -> Any:
        return or_(
            and_(jobs_table.c.status == "queued", jobs_table.c.run_at <= now),
            and_(jobs_table.c.status == "running", jobs_table.c.locked_until < now),
        )

    async def _claim(self, limit: int) -> list[ClaimedJob]:
        if limit <= 0:
            return []
        self._claims += 1
        token = f"{self.worker_id}:{self._claims}"
        now = self.clock()
        c = jobs_table.c
        async with self.uow_factory() as uow:
            ids = list(
                (
                    await uow.session.execute(
                        select(c.id)
                        .where(self._due(now))
                        .order_by(c.run_at, c.id)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            if not ids:
                return []
            rows = (
                await uow.session.execute(
                    update(jobs_table)
                    .where(c.id.in_(ids), self._due(now))
                    .values(
                        status="running",
                        locked_by=token,
                        locked_until=now + timedelta(seconds=self.lease_seconds),
                        attempts=c.attempts + 1,
                        started_at=now,
                    )
                    .returning(c.id, c.name, c.args, c.attempts, c.max_attempts)
                )
            ).all()
            claimed = [ClaimedJob(r.id, r.name, r.args or {}, r.attempts, r.max_attempts, token) for r in rows]
            # Claimed again after a process died during its last attempt: give up on it.
            spent = [j.id for j in claimed if j.attempts > j.max_attempts]
            if spent:
                await uow.session.execute(
                    update(jobs_table)
                    .where(c.id.in_(spent))
                    .values(
                        status="failed",
                        attempts=c.max_attempts,
                        finished_at=now,
                        locked_by=None,
                        locked_until=None,
                        last_error="LeaseExpired: the process running the last attempt stopped before it finished",
                    )
                )
        return sorted((j for j in claimed if j.attempts <= j.max_attempts), key=lambda j: j.id)

    async def _execute(self, job: ClaimedJob) -> None:
        spec = self.registry.get(job.name)
        try:
            if spec is None:
                raise UnknownJob(f"no handler is registered for {job.name!r}")
            timeout = spec.timeout_seconds or self.lease_seconds * 0.8
            async with asyncio.timeout(timeout):
                async with self.uow_factory() as uow:
                    await spec.handler(uow, dict(job.args))
                    await self._mark_done(uow, job)
        except LeaseLost:
            log.warning("job %s (%s) lost its lease; its writes were rolled back", job.id, job.name)
        except Exception as exc:
            log.warning("job %s (%s) attempt %s failed: %s", job.id, job.name, job.attempts, exc, exc_info=True)
            await self._mark_failed(job, exc)

    async def _mark_done(self, uow: UnitOfWork, job: ClaimedJob) -> None:
        c = jobs_table.c
        result = await uow.session.execute(
            update(jobs_table)
            .where(c.id == job.id, c.locked_by == job.token, c.status == "running")
            .values(status="done", finished_at=self.clock(), locked_by=None, locked_until=None, last_error=None)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LeaseLost()

    async def _mark_failed(self, job: ClaimedJob, exc: BaseException) -> None:
        c = jobs_table.c
        now = self.clock()
        values: dict[str, Any] = {"last_error": _error_text(exc), "locked_by": None, "locked_until": None}
        if job.attempts >= job.max_attempts:
            values |= {"status": "failed", "finished_at": now}
        else:
            delay = self.backoff.delay(job.attempts, self.rand)
            values |= {"status": "queued", "run_at": now + timedelta(seconds=delay)}
        try:
            async with self.uow_factory() as uow:
                await uow.session.execute(
                    update(jobs_table)
                    .where(c.id == job.id, c.locked_by == job.token, c.status == "running")
                    .values(**values)
                )
        except Exception:
            log.exception("recording the failure of job %s failed; its lease will expire", job.id)

    async def _release(self, jobs: list[ClaimedJob]) -> None:
        c = jobs_table.c
        try:
            async with self.uow_factory() as uow:
                for job in jobs:
                    await uow.session.execute(
                        update(jobs_table)
                        .where(c.id == job.id, c.locked_by == job.token, c.status == "running")
                        .values(status="queued", attempts=c.attempts - 1, locked_by=None, locked_until=None)
                    )
        except Exception:
            log.exception("handing back unfinished jobs failed; their leases will expire")
