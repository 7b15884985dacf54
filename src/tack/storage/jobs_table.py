"""The durable job table: rows written in the same transaction as the change that causes them.

The table lives in storage, next to the unit of work that writes it (as the outbox does in
DESIGN.md), so that `UnitOfWork.enqueue` needs no import from `tack.jobs`. Claiming, running
and retrying the rows is `tack.jobs`' business; this module only knows the shape.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from tack.core.clock import utc_now
from tack.storage.base import Base, BigId

JOB_STATUSES = ("queued", "running", "done", "failed")
DEFAULT_MAX_ATTEMPTS = 5


class Job(Base):
    """One run of a handler named "domain.verb" with JSON arguments.

    - queued: waiting for `run_at`; running: claimed by `locked_by` until `locked_until`
      (a lease: past it, any runner may claim the job again); done; failed: every attempt
      failed, kept with `last_error` for the org's admins to see and retry.
    - `dedupe_key`: the same (name, dedupe_key) is enqueued at most once, ever (while the
      row exists); a second enqueue is silently dropped. NULL keys never collide.
    - `org_id` scopes the admin listing; it is NULL for jobs that belong to no org. It is a
      plain column, not a foreign key, so that the job system stays below the domains.
    """

    __tablename__ = "jobs_job"
    __table_args__ = (
        UniqueConstraint("name", "dedupe_key"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_jobs_job_due", "status", "run_at"),
        Index("ix_jobs_job_org", "org_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    org_id: Mapped[int | None] = mapped_column(BigId)
    name: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    run_at: Mapped[datetime] = mapped_column(default=utc_now)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=DEFAULT_MAX_ATTEMPTS)
    last_error: Mapped[str | None] = mapped_column(Text)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


def job_row(
    name: str,
    args: dict[str, Any] | None,
    *,
    run_at: datetime | None,
    org_id: int | None,
    dedupe_key: str | None,
    max_attempts: int,
) -> dict[str, Any]:
    if not name or len(name) > 100 or "." not in name:
        raise ValueError(f"job names are 'domain.verb', got {name!r}")
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if run_at is not None and run_at.tzinfo is None:
        raise ValueError("naive datetime given as run_at")
    now = utc_now()
    return {
        "name": name,
        "args": dict(args or {}),
        "run_at": run_at or now,
        "org_id": org_id,
        "dedupe_key": dedupe_key,
        "max_attempts": max_attempts,
        "status": "queued",
        "attempts": 0,
        "created_at": now,
    }


async def insert_jobs(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT (name, dedupe_key) DO NOTHING, in the session's transaction: a
    duplicate is dropped without aborting the change that enqueued it."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # PostgreSQL's dialect package (~2 MB) is loaded only by a server that uses it.
        from sqlalchemy.dialects.postgresql import insert
    else:
        insert = sqlite_insert
    stmt = insert(Job.__table__).on_conflict_do_nothing(index_elements=["name", "dedupe_key"])
    await session.execute(stmt, rows)
