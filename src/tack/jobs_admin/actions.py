"""Retrying a failed job, for an org's owners and admins."""

from tack.core.actor import Actor
from tack.directory.access import org_id_of, require_admin
from tack.jobs import actions as job_actions
from tack.jobs.schemas import JobRead
from tack.storage.uow import UnitOfWork


async def check_retry_job(uow: UnitOfWork, actor: Actor, job_id: int) -> JobRead:
    require_admin(actor)
    return await job_actions.do_retry_job(uow, org_id_of(actor), job_id)
