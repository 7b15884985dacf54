"""Job listings for an org's owners and admins."""

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.directory.access import org_id_of, require_admin
from tack.jobs import queries as job_queries
from tack.jobs.schemas import JobList, JobStatus


async def list_jobs(
    session: AsyncSession, actor: Actor, *, status: JobStatus | None, before_id: int | None, limit: int
) -> JobList:
    require_admin(actor)
    return await job_queries.list_jobs(session, org_id_of(actor), status=status, before_id=before_id, limit=limit)
