"""Typed realtime events of approvals.

| type          | op     | to                                                            |
|---------------|--------|---------------------------------------------------------------|
| approval_task | add    | approvers who now have a pending task (new step, transfer, 加签, urge, reminder) |
| approval_task | remove | approvers whose pending task went away (decided elsewhere, withdrawn) |
| approval      | update | the submitter and everyone who had a part, when the instance changes |
"""

from typing import Literal

from tack.approval.schemas import InstanceSummary
from tack.core.events import TypedEvent


class EventTaskAdd(TypedEvent):
    type: Literal["approval_task"] = "approval_task"
    op: Literal["add"] = "add"
    instance: InstanceSummary
    reason: str  # step | transfer | added | urge | reminder | returned


class EventTaskRemove(TypedEvent):
    type: Literal["approval_task"] = "approval_task"
    op: Literal["remove"] = "remove"
    instance_id: int


class EventInstanceUpdate(TypedEvent):
    type: Literal["approval"] = "approval"
    op: Literal["update"] = "update"
    instance: InstanceSummary
    action: str
