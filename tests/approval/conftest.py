"""Approval fixtures: cheap argon2, the event recorder, a job runner on a fake clock, and
builders for templates and submissions."""

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from tack.approval import payments
from tack.approval import tasks as approval_tasks
from tack.jobs import Backoff, JobRegistry, JobRunner
from tack.storage.jobs_table import Job
from tests.chat.conftest import Recorder, account_of, captured_events  # noqa: F401  (fixture)
from tests.ding.conftest import FakeClock, _cheap_argon2, run_all  # noqa: F401  (fixtures)
from tests.helpers import Api


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def runner(app, clock: FakeClock) -> JobRunner:  # type: ignore[no-untyped-def]
    registry = JobRegistry()
    registry.include(approval_tasks.jobs)
    return JobRunner(app.state.uow_factory, registry, clock=clock, rand=lambda: 0.5, backoff=Backoff(base_seconds=10, cap_seconds=3600))


@pytest.fixture(autouse=True)
def _no_payment_webhook() -> Iterator[None]:
    previous = payments.use(payments.PaymentClient(payments.PaymentSettings(webhook_url="")))
    yield
    payments.use(previous)


async def jobs(app, name: str | None = None) -> list[Job]:  # type: ignore[no-untyped-def]
    async with app.state.uow_factory() as uow:
        stmt = select(Job).order_by(Job.id)
        if name:
            stmt = stmt.where(Job.name == name)
        return list((await uow.session.execute(stmt)).scalars())


async def templates(api: Api) -> dict[str, Any]:
    """The org's templates by kind (built-ins are created with the org)."""
    return {t["kind"]: t for t in (await api.get(api.org("/approval/templates")))["items"]}


def general_template(**flow: Any) -> dict[str, Any]:
    return {
        "name": "采购申请",
        "form": [
            {"key": "subject", "label": "事项", "kind": "text", "required": True},
            {"key": "amount", "label": "金额", "kind": "money", "required": True},
        ],
        "flow": {"steps": [{"kind": "members", "member_ids": []}], **flow},
    }


async def make_template(admin: Api, steps: list[dict[str, Any]], *, cc: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    body = general_template()
    body["flow"] = {"steps": steps, **({"cc": cc} if cc else {})}
    body.update(extra)
    return await admin.post(admin.org("/approval/templates"), json=body, expect=201)


async def submit(api: Api, template_id: int, values: dict[str, Any], *, expect: int = 201, **extra: Any) -> Any:
    return await api.post(api.org("/approval/instances"), json={"template_id": template_id, "values": values, **extra}, expect=expect)


async def act(api: Api, instance_id: int, verb: str, *, expect: int = 200, **body: Any) -> Any:
    return await api.post(api.org(f"/approval/instances/{instance_id}/{verb}"), json=body, expect=expect)


async def box(api: Api, name: str) -> list[int]:
    return [i["id"] for i in (await api.get(api.org(f"/approval/boxes/{name}")))["items"]]
