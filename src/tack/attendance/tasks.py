"""Attendance's durable jobs:

| job                      | dedupe key                       | does                                          |
|--------------------------|----------------------------------|-----------------------------------------------|
| attendance.recompute     | —                                | recomputes recent days after a rule change    |
| attendance.close_day     | attendance:{org}:close:{day}     | final results of a day (absent, missing card), plans the next day |
| attendance.remind        | attendance:{org}:remind:{group}:{day}:{in/out} | reminds who has not checked in / out; plans the next workday |
"""

from datetime import date
from typing import Any

from tack.attendance import actions
from tack.jobs import JobRegistry
from tack.storage.uow import UnitOfWork

jobs = JobRegistry()


@jobs.job("attendance.recompute")
async def recompute(uow: UnitOfWork, args: dict[str, Any]) -> None:
    member_ids = args.get("member_ids")
    await actions.do_recompute_recent(uow, int(args["org_id"]), [int(m) for m in member_ids] if member_ids is not None else None, int(args.get("days_back", 31)))


@jobs.job("attendance.close_day")
async def close_day(uow: UnitOfWork, args: dict[str, Any]) -> None:
    await actions.do_close_day(uow, int(args["org_id"]), date.fromisoformat(args["day"]))


@jobs.job("attendance.remind")
async def remind(uow: UnitOfWork, args: dict[str, Any]) -> None:
    await actions.do_remind(uow, int(args["org_id"]), int(args["group_id"]), date.fromisoformat(args["day"]), str(args["kind"]))
