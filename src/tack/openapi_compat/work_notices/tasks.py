"""Durable jobs of work notifications (registered in main.py)."""

from typing import Any

from tack.jobs import JobRegistry
from tack.openapi_compat.work_notices.actions import DELIVER_JOB, do_deliver_chunk
from tack.storage.uow import UnitOfWork

jobs = JobRegistry()


@jobs.job(DELIVER_JOB)
async def deliver(uow: UnitOfWork, args: dict[str, Any]) -> None:
    await do_deliver_chunk(uow, int(args["org_id"]), int(args["notice_id"]))
