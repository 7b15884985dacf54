"""Writes of the job admin API; the caller has checked who may act on `org_id`."""

from sqlalchemy import select

from tack.core.clock import utc_now
from tack.jobs.errors import JobNotFailed, JobNotFound
from tack.jobs.queries import job_read
from tack.jobs.schemas import JobRead
from tack.storage.jobs_table import Job
from tack.storage.uow import UnitOfWork


async def do_retry_job(uow: UnitOfWork, org_id: int, job_id: int) -> JobRead:
    """A failed job of this org gets a fresh set of attempts, due now. The last error stays
    visible until an attempt succeeds."""
    stmt = select(Job).where(Job.id == job_id, Job.org_id == org_id).with_for_update()
    job = (await uow.session.execute(stmt)).scalar_one_or_none()
    if job is None:
        raise JobNotFound()
    if job.status != "failed":
        raise JobNotFailed()
    now = utc_now()
    job.status = "queued"
    job.attempts = 0
    job.run_at = now
    job.finished_at = None
    await uow.session.flush()
    uow.wake_jobs_after_commit(now)
    return job_read(job)
