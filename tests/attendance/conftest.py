"""Attendance fixtures: an org with a fixed 09:00-18:00 group over 研发部 (bob, eve) with one
geofence, times in Asia/Shanghai, time travel, and a job runner for the recompute jobs."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tack.attendance import tasks as attendance_tasks
from tack.core.clock import utc_now
from tack.jobs import Backoff, JobRegistry, JobRunner
from tests.ding.conftest import _cheap_argon2  # noqa: F401  (session fixture: fast sign-ups)
from tests.helpers import Api

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = (31.2304, 121.4737)  # People's Square, Shanghai
FAR = (31.3000, 121.6000)  # ~15 km away


def next_weekday(weekday: int, *, after: date | None = None) -> date:
    """The first `weekday` (0 = Monday) strictly after `after` (default: today in Shanghai)."""
    start = after or utc_now().astimezone(SHANGHAI).date()
    days = (weekday - start.weekday()) % 7 or 7
    return start + timedelta(days=days)


def local(day: date, hhmm: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    h, m = hhmm.split(":")
    return datetime(day.year, day.month, day.day, int(h), int(m), tzinfo=tz)


@contextmanager
def at(moment: datetime) -> Iterator[datetime]:
    with time_machine.travel(moment.astimezone(UTC), tick=True):
        yield moment


async def punch(api: Api, *, where: tuple[float, float] | None = OFFICE, expect: int = 200, **extra: Any) -> Any:
    body: dict[str, Any] = {"client_time": utc_now().isoformat(), **extra}
    if where is not None:
        body["lat"], body["lng"] = where
    return await api.post(api.org("/attendance/checkins"), json=body, expect=expect)


async def make_shift(api: Api, start: str = "09:00", end: str = "18:00", **extra: Any) -> Any:
    body = {"name": f"{start}-{end}", "start": start, "end": end, "late_grace_minutes": 5, "serious_late_minutes": 30, **extra}
    return await api.post(api.org("/attendance/shifts"), json=body, expect=201)


@pytest.fixture
async def office(cast: dict[str, Api]) -> dict[str, Any]:
    """Fixed group 总部 09:00-18:00 (5 min grace, serious after 30), Sat/Sun rest, 研发部
    assigned (bob, eve), a 300 m geofence; carol (市场部) is in no group."""
    alice = cast["alice"]
    shift = await make_shift(alice)
    group = await alice.post(alice.org("/attendance/groups"), json={"name": "总部", "shift_id": shift["id"]}, expect=201)
    await alice.put(alice.org(f"/attendance/groups/{group['id']}/assignment"), json={"department_ids": [alice.refs["rd"]]})
    place = await alice.post(
        alice.org(f"/attendance/groups/{group['id']}/places"),
        json={"kind": "geo", "name": "人民广场", "lat": OFFICE[0], "lng": OFFICE[1], "radius_m": 300},
        expect=201,
    )
    return {"shift": shift, "group": group, "place": place}


@pytest.fixture
def runner(app) -> JobRunner:  # type: ignore[no-untyped-def]
    registry = JobRegistry()
    registry.include(attendance_tasks.jobs)
    return JobRunner(app.state.uow_factory, registry, rand=lambda: 0.5, backoff=Backoff(base_seconds=10, cap_seconds=3600))


async def run_due(runner: JobRunner) -> int:
    total = 0
    while n := await runner.run_once(limit=100):
        total += n
    return total
