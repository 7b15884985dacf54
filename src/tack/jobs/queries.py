"""Reads of the job table for the admin API; the caller has checked who may see `org_id`."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tack.jobs.schemas import JobList, JobRead, JobStatus
from tack.storage.jobs_table import Job


def job_read(job: Job) -> JobRead:
    return JobRead.model_validate(job, from_attributes=True)


async def list_jobs(
    session: AsyncSession, org_id: int, *, status: JobStatus | None, before_id: int | None, limit: int
) -> JobList:
    """One org's jobs, newest first; jobs of no org (org_id NULL) are never listed here."""
    stmt = select(Job).where(Job.org_id == org_id)
    if status is not None:
        stmt = stmt.where(Job.status == status)
    if before_id is not None:
        stmt = stmt.where(Job.id < before_id)
    rows = list((await session.execute(stmt.order_by(Job.id.desc()).limit(limit + 1))).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return JobList(items=[job_read(j) for j in rows], next_before_id=rows[-1].id if more else None)
