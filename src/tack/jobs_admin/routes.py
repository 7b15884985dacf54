"""GET /orgs/{org_id}/jobs and POST /orgs/{org_id}/jobs/{job_id}/retry."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from tack.directory.auth import CurrentActor
from tack.jobs.schemas import JobList, JobRead, JobStatus
from tack.jobs_admin import actions, queries
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["jobs"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]


@router.get("/orgs/{org_id}/jobs")
async def list_jobs(
    actor: CurrentActor,
    session: ReadSession,
    status: Annotated[JobStatus | None, Query()] = None,
    before_id: Annotated[int | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JobList:
    """The org's background jobs, newest first; `status=failed` shows what gave up."""
    return await queries.list_jobs(session, actor, status=status, before_id=before_id, limit=limit)


@router.post("/orgs/{org_id}/jobs/{job_id}/retry")
async def retry_job(actor: CurrentActor, job_id: int, uow: UoW) -> JobRead:
    """Run a failed job again, with a fresh set of attempts."""
    return await actions.check_retry_job(uow, actor, job_id)
