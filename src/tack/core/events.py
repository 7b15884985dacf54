"""The event bus contract: domains buffer events on the unit of work, main.py wires a bus."""

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    op: str
    org_id: int
    data: dict[str, Any]
    # Explicit audience: account ids. An empty tuple means nobody, never everybody.
    to_accounts: tuple[int, ...] = field(default_factory=tuple)


class EventBus(Protocol):
    async def publish(self, events: list[Event]) -> None: ...


class NullBus:
    async def publish(self, events: list[Event]) -> None:
        return None
