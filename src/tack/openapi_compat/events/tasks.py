"""Durable job of event callbacks (registered in main.py).

| job                          | dedupe key            | does                                  |
|------------------------------|-----------------------|---------------------------------------|
| openapi_compat.event_deliver | event:{id}:{round}    | one encrypted POST; raises to retry   |
"""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker

from tack.jobs import JobRegistry
from tack.openapi_compat.events import actions, sender
from tack.storage.uow import UnitOfWork, UnitOfWorkFactory

jobs = JobRegistry()


class DeliveryFailed(Exception):
    pass


@jobs.job(actions.DELIVER_JOB)
async def deliver(uow: UnitOfWork, args: dict[str, Any]) -> None:
    """The attempt is recorded in its own short transaction (kept although the job's own rolls
    back on failure); the job's session is left alone, so on SQLite nothing waits on a lock
    this handler holds."""
    side = UnitOfWorkFactory(async_sessionmaker(uow.session.bind, expire_on_commit=False, autoflush=False))
    async with side() as read:
        planned = await actions.plan_delivery(read.session, int(args["org_id"]), int(args["delivery_id"]))
    if planned is None:
        return
    error: str | None = None
    if planned.target is None:
        error = "the app's event subscription was removed"
    else:
        try:
            await sender.post(planned.target, planned.payload)
        except (sender.NotDelivered, httpx.HTTPError) as exc:
            error = f"{type(exc).__name__}: {exc}"
    async with side() as write:
        await actions.do_record_attempt(write, planned, error, final=planned.target is None)
    if error is not None and planned.target is not None:
        raise DeliveryFailed(error)
