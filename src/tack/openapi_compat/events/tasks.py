"""Durable job of event callbacks (registered in main.py).

| job                          | dedupe key            | does                                  |
|------------------------------|-----------------------|---------------------------------------|
| openapi_compat.event_deliver | event:{id}:{round}    | one encrypted POST, or one Stream EVENT frame acked 200; raises to retry |
"""

from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from tack.jobs import JobRegistry
from tack.openapi_compat.events import actions, payloads, sender
from tack.openapi_compat.stream import frames
from tack.openapi_compat.stream.hub import HUB
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
    if planned.gone:
        error = "the app's event subscription was removed"
    elif planned.mode == "stream":
        error = await HUB.deliver_event(planned.app_id, planned.event_type, frames.event_data(planned.payload), {
            "eventId": f"tack-{planned.delivery_id}",  # the same on every redelivery: clients dedupe on it
            "eventType": planned.event_type,
            "eventBornTime": planned.born_ms,
            "eventCorpId": payloads.corp_id(planned.org_id),
            "eventUnifiedAppId": planned.app_key,
        })
    else:
        assert planned.target is not None
        import httpx  # loaded by the first HTTP delivery (~5 MB), not by every server

        try:
            await sender.post(planned.target, planned.payload)
        except (sender.NotDelivered, httpx.HTTPError) as exc:
            error = f"{type(exc).__name__}: {exc}"
    async with side() as write:
        await actions.do_record_attempt(write, planned, error, final=planned.gone)
    if error is not None and not planned.gone:
        raise DeliveryFailed(error)
