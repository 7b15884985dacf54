"""Typed realtime events of DING.

| type         | op     | to                                                        |
|--------------|--------|-----------------------------------------------------------|
| ding         | add    | recipients not yet confirmed: the alert (send, reminder, re-DING) |
| ding         | remove | the confirming recipient's accounts (clear the alert on every device) |
| ding_receipt | add    | the sender's accounts, one per confirmation                |
"""

from typing import Literal


from tack.core.events import TypedEvent
from tack.ding.schemas import DingAlert, ReceiptRead


class DingEvent(TypedEvent):
    pass


class EventDingAdd(DingEvent):
    type: Literal["ding"] = "ding"
    op: Literal["add"] = "add"
    ding: DingAlert


class EventDingRemove(DingEvent):
    type: Literal["ding"] = "ding"
    op: Literal["remove"] = "remove"
    ding_id: int


class EventReceiptAdd(DingEvent):
    type: Literal["ding_receipt"] = "ding_receipt"
    op: Literal["add"] = "add"
    receipt: ReceiptRead
