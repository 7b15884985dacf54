"""Chat fixtures: a recorder of what the bus receives after commit, and a few builders."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tack.core.events import Event
from tests.helpers import Api


class Recorder:
    """Stands in front of the real bus: records every published batch, then forwards it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.events: list[Event] = []

    async def publish(self, events: list[Event]) -> None:
        self.events.extend(events)
        await self.inner.publish(events)

    def clear(self) -> None:
        self.events.clear()

    def of(self, type_: str, op: str | None = None) -> list[Event]:
        return [e for e in self.events if e.type == type_ and (op is None or e.op == op)]


@pytest.fixture
async def captured_events(app) -> AsyncIterator[Recorder]:  # type: ignore[no-untyped-def]
    factory = app.state.uow_factory
    recorder = Recorder(factory.bus)
    factory.bus = recorder
    try:
        yield recorder
    finally:
        factory.bus = recorder.inner


async def account_of(api: Api) -> int:
    return int((await api.get("/api/v1/me"))["id"])


async def group(owner: Api, *members: Api, name: str = "项目群") -> dict[str, Any]:
    return await owner.post(
        owner.org("/conversations"), json={"name": name, "member_ids": [m.member_id for m in members]}, expect=201
    )


async def direct(a: Api, b: Api) -> dict[str, Any]:
    r = await a.post(a.org("/conversations/direct"), json={"member_id": b.member_id}, expect=None)
    assert a.last.status_code in (200, 201), a.last.text
    return r  # type: ignore[no-any-return]


async def send(api: Api, conversation_id: int, text: str, *, expect: int = 201, **extra: Any) -> Any:
    return await api.post(
        api.org(f"/conversations/{conversation_id}/messages"), json={"text": text, **extra}, expect=expect
    )
