"""Approval and attendance changes → DingTalk's events (registered in main.py on the hooks
those domains offer: tack.approval.hooks.on_instance_change, tack.attendance.hooks.on_check_in).

| hook event                | EventType               |
|---------------------------|-------------------------|
| approval InstanceChanged  | bpms_instance_change    |
| approval TaskChanged      | bpms_task_change        |
| attendance CheckedIn      | attendance_check_record |

Each runs in the change's own unit of work: its deliveries commit (or roll back) with it.
"""

from tack.approval import hooks as approval_hooks
from tack.attendance import hooks as attendance_hooks
from tack.openapi_compat.events import actions, payloads, types
from tack.storage.uow import UnitOfWork


async def on_approval_change(uow: UnitOfWork, event: approval_hooks.InstanceChange) -> None:
    if isinstance(event, approval_hooks.InstanceChanged):
        await actions.do_publish(uow, event.org_id, types.APPROVAL_INSTANCE, payloads.approval_instance(event))
    else:
        await actions.do_publish(uow, event.org_id, types.APPROVAL_TASK, payloads.approval_task(event))


async def on_check_in(uow: UnitOfWork, events: list[attendance_hooks.CheckedIn]) -> None:
    """One event per transaction, its DataList holding every punch (a burst's batch is one
    delivery per subscribed app, as DingTalk batches its DataList)."""
    await actions.do_publish(uow, events[0].org_id, types.CHECK_IN, payloads.check_in(events))
