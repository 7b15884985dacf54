"""Approval's durable jobs. Each is idempotent and keyed, so a restart neither loses nor
repeats a step:

| job              | dedupe key                                   | does                                  |
|------------------|----------------------------------------------|---------------------------------------|
| approval.notify  | approval:{id}:{act:n:task | urge:t | cc:… | result:…} | chat cards (one per person, keyed) |
| approval.remind  | approval:{id}:act:{n}:remind:{round}         | overdue step: alert + card, next round |
| approval.pay     | approval:{id}:pay                            | payment webhook, retried, result kept  |
"""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from tack.approval import payments
from tack.approval.actions import instances
from tack.approval.actions.jobs import do_notify, do_record_payment, plan_payment
from tack.jobs import JobRegistry
from tack.storage.uow import UnitOfWork, UnitOfWorkFactory

jobs = JobRegistry()


@jobs.job("approval.notify")
async def notify(uow: UnitOfWork, args: dict[str, Any]) -> None:
    await do_notify(uow, int(args["org_id"]), args)


@jobs.job("approval.remind")
async def remind(uow: UnitOfWork, args: dict[str, Any]) -> None:
    await instances.do_remind(
        uow, int(args["org_id"]), int(args["instance_id"]), int(args["activation"]), int(args["round"]),
        datetime.fromisoformat(str(args["due"])),
    )


@jobs.job("approval.pay")
async def pay(uow: UnitOfWork, args: dict[str, Any]) -> None:
    """One payment attempt. It is recorded in a short transaction of its own (so a failure
    is kept although this job's transaction rolls back), then a failure raises and the
    runner retries with backoff; the Idempotency-Key is the same on every attempt."""
    org_id, instance_id = int(args["org_id"]), int(args["instance_id"])
    side = UnitOfWorkFactory(async_sessionmaker(uow.session.bind, expire_on_commit=False, autoflush=False))
    async with side() as read:
        planned = await plan_payment(read.session, org_id, instance_id)
    if planned is None:
        return
    client = payments.current()
    if not client.configured:
        async with side() as write:
            await do_record_payment(write, org_id, instance_id, status="not_configured", error=None, response={})
        return
    error: str | None = None
    response: dict[str, Any] = {}
    try:
        response = await client.send(planned.request)
    except Exception as exc:  # any failure is recorded, then retried
        error = f"{type(exc).__name__}: {exc}"[:2000]
    async with side() as write:
        await do_record_payment(write, org_id, instance_id, status="failed" if error else "paid", error=error, response=response)
    if error is not None:
        raise payments.PaymentError(error)
