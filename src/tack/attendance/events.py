"""Typed realtime events of attendance.

| type       | op     | to                                                                  |
|------------|--------|---------------------------------------------------------------------|
| attendance | remind | members of a group with reminders on: before the shift, those not checked in; at its end, those not checked out |
"""

from datetime import date, datetime
from typing import Literal

from tack.core.events import TypedEvent


class EventRemind(TypedEvent):
    type: Literal["attendance"] = "attendance"
    op: Literal["remind"] = "remind"
    day: date
    kind: Literal["in", "out"]
    at: datetime  # the shift's start (check-in reminder) or end (check-out reminder)
