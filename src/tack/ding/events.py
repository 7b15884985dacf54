"""Typed realtime events of DING.

| type         | op     | to                                                        |
|--------------|--------|-----------------------------------------------------------|
| ding         | add    | recipients not yet confirmed: the alert (send, reminder, re-DING) |
| ding         | remove | the confirming recipient's accounts (clear the alert on every device) |
| ding_receipt | add    | the sender's accounts, one per confirmation                |
"""

from typing import Literal

from pydantic import BaseModel

from tack.core.events import Event
from tack.ding.schemas import DingAlert, ReceiptRead


class DingEvent(BaseModel):
    type: str
    op: str

    def to_event(self, org_id: int, to_accounts: list[int] | set[int]) -> Event:
        return Event(
            type=self.type,
            op=self.op,
            org_id=org_id,
            data=self.model_dump(mode="json", exclude={"type", "op"}),
            to_accounts=tuple(sorted(set(to_accounts))),
        )


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
