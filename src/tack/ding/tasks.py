"""DING's durable jobs. Each is idempotent and keyed so that a restart neither loses nor
repeats a step:

| job            | dedupe key                                  | does                                   |
|----------------|---------------------------------------------|----------------------------------------|
| ding.deliver   | ding:{id}:deliver                           | sends a scheduled DING at send_at      |
| ding.remind    | ding:{id}:round:{n}                         | reminder round n, plans round n+1      |
| ding.escalate  | ding:{id}:escalate:{n}                      | unconfirmed move to SMS, then call     |
| ding.notify    | ding:{id}:member:{m}:{kind}:{n}:{channel}   | one SMS / call through the provider    |
| ding.cards     | ding:{id}:cards:{chunk}                     | the DING as cards in 1:1 chats         |
"""

from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from tack.ding import actions, providers
from tack.jobs import JobRegistry
from tack.storage.uow import UnitOfWork, UnitOfWorkFactory

jobs = JobRegistry()


@jobs.job("ding.deliver")
async def deliver(uow: UnitOfWork, args: dict[str, Any]) -> None:
    await actions.do_deliver_scheduled(uow, int(args["org_id"]), int(args["ding_id"]))


@jobs.job("ding.remind")
async def remind(uow: UnitOfWork, args: dict[str, Any]) -> None:
    await actions.do_remind_round(uow, int(args["org_id"]), int(args["ding_id"]), int(args["round"]))


@jobs.job("ding.escalate")
async def escalate(uow: UnitOfWork, args: dict[str, Any]) -> None:
    await actions.do_escalate(uow, int(args["org_id"]), int(args["ding_id"]), int(args["step"]))


@jobs.job("ding.cards")
async def cards(uow: UnitOfWork, args: dict[str, Any]) -> None:
    await actions.do_post_cards(uow, int(args["org_id"]), int(args["ding_id"]), [int(m) for m in args["member_ids"]])


@jobs.job("ding.notify")
async def notify(uow: UnitOfWork, args: dict[str, Any]) -> None:
    """One SMS / call. The attempt is recorded in its own short transaction (so a failure is
    kept although the job's transaction rolls back), then a failure raises and the runner
    retries with backoff. A notice already recorded as sent is never sent again. The job's
    own session is not touched before that, so on SQLite the side transactions never wait
    for a lock this handler holds."""
    org_id = int(args["org_id"])
    side = UnitOfWorkFactory(async_sessionmaker(uow.session.bind, expire_on_commit=False, autoflush=False))
    async with side() as read:
        planned = await actions.plan_notice(read.session, org_id, args)
    if planned is None:
        return
    provider = providers.current()
    error: str | None = None
    try:
        await provider.send(planned.notice)
    except Exception as exc:  # any provider failure is recorded, then retried
        error = f"{type(exc).__name__}: {exc}"[:2000]
    async with side() as write:
        await actions.do_record_attempt(write, planned, provider.name, error)
    if error is not None:
        raise providers.ProviderError(error)
