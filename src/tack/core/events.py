"""The event bus contract: domains buffer events on the unit of work, main.py wires a bus."""

from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    op: str
    org_id: int
    data: dict[str, Any]
    # Explicit audience: account ids. An empty tuple means nobody, never everybody.
    to_accounts: tuple[int, ...] = field(default_factory=tuple)
    # The client queue (device) whose own request caused the event and whose answer already
    # carried the change: the bus skips it, so it is not told twice. Its other devices are told.
    except_queue: str | None = None


class TypedEvent(BaseModel):
    """Base of every domain's realtime event models (`type` and `op` as Literals).

    Validated when built, so a malformed event fails at its source, not in a client.
    """

    type: str
    op: str

    def to_event(self, org_id: int, to_accounts: list[int] | set[int], *, except_queue: str | None = None) -> Event:
        return Event(
            type=self.type,
            op=self.op,
            org_id=org_id,
            data=self.model_dump(mode="json", exclude={"type", "op"}),
            to_accounts=tuple(sorted(set(to_accounts))),
            except_queue=except_queue,
        )


class EventBus(Protocol):
    async def publish(self, events: list[Event]) -> None: ...


class NullBus:
    async def publish(self, events: list[Event]) -> None:
        return None
