"""GET /orgs/{id}/jobs and POST /orgs/{id}/jobs/{job}/retry: the org's owners and admins see
and retry its jobs; members are refused; another org sees nothing."""

from typing import Any

import pytest

from tack.jobs import JobRegistry, JobRunner
from tack.storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.helpers import Api
from tests.jobs.conftest import all_jobs, enqueue

pytestmark = pytest.mark.usefixtures("records")


def failing_then_fixed() -> tuple[JobRegistry, dict[str, bool]]:
    state = {"broken": True}
    registry = JobRegistry()

    @registry.job("test.deliver")
    async def deliver(uow: UnitOfWork, args: dict[str, Any]) -> None:
        if state["broken"]:
            raise ConnectionError(f"callback URL refused the connection ({args['what']})")

    return registry, state


async def fail_jobs(cast: dict[str, Api], uow_factory: UnitOfWorkFactory) -> JobRunner:
    acme, globex = cast["alice"].org_id, cast["dave"].org_id
    await enqueue(uow_factory, "test.deliver", {"what": "acme 1"}, org_id=acme, max_attempts=1)
    await enqueue(uow_factory, "test.deliver", {"what": "acme 2"}, org_id=acme, max_attempts=1)
    await enqueue(uow_factory, "test.deliver", {"what": "globex"}, org_id=globex, max_attempts=1)
    await enqueue(uow_factory, "test.deliver", {"what": "no org"}, max_attempts=1)
    await enqueue(uow_factory, "test.later", {"what": "acme queued"}, org_id=acme)
    registry, _ = failing_then_fixed()
    runner = JobRunner(uow_factory, registry)
    await runner.run_once()
    return runner


async def test_admins_list_their_orgs_failed_jobs(cast: dict[str, Api], uow_factory: UnitOfWorkFactory) -> None:
    await fail_jobs(cast, uow_factory)
    alice, dave = cast["alice"], cast["dave"]
    failed = await alice.get(alice.org("/jobs?status=failed"))
    assert [j["args"]["what"] for j in failed["items"]] == ["acme 2", "acme 1"]  # newest first
    first = failed["items"][0]
    assert (first["name"], first["status"], first["attempts"], first["max_attempts"]) == ("test.deliver", "failed", 1, 1)
    assert first["last_error"] == "ConnectionError: callback URL refused the connection (acme 2)"
    assert first["org_id"] == alice.org_id and first["finished_at"] is not None
    everything = await alice.get(alice.org("/jobs"))
    assert {j["args"]["what"] for j in everything["items"]} == {"acme 1", "acme 2", "acme queued"}
    page = await alice.get(alice.org("/jobs?limit=2"))
    assert len(page["items"]) == 2 and page["next_before_id"] == page["items"][-1]["id"]
    rest = await alice.get(alice.org(f"/jobs?limit=2&before_id={page['next_before_id']}"))
    assert [j["args"]["what"] for j in rest["items"]] == ["acme 1"] and rest["next_before_id"] is None
    # An admin who is not the owner sees them too.
    carol = cast["carol"]
    await alice.put(alice.org(f"/members/{carol.member_id}/role"), json={"role": "admin"})
    assert len((await carol.get(carol.org("/jobs?status=failed")))["items"]) == 2
    # The other org sees only its own.
    theirs = await dave.get(dave.org("/jobs?status=failed"))
    assert [j["args"]["what"] for j in theirs["items"]] == ["globex"]
    await alice.get(alice.org("/jobs?status=broken"), expect=422)


async def test_members_and_other_orgs_are_refused(cast: dict[str, Api], uow_factory: UnitOfWorkFactory) -> None:
    await fail_jobs(cast, uow_factory)
    bob, dave, alice = cast["bob"], cast["dave"], cast["alice"]
    refused = await bob.get(bob.org("/jobs?status=failed"), expect=403)
    assert refused["code"] == "forbidden"
    await alice.put(alice.org(f"/members/{bob.member_id}/role"), json={"role": "subadmin", "scope_department_ids": [bob.refs["rd"]]})
    await bob.get(bob.org("/jobs"), expect=403)
    # Dave is no member of acme: the org does not exist for him.
    assert (await dave.get(alice.org("/jobs"), expect=404))["code"] == "org_not_found"
    acme_job = (await alice.get(alice.org("/jobs?status=failed")))["items"][0]["id"]
    assert (await dave.post(alice.org(f"/jobs/{acme_job}/retry"), expect=404))["code"] == "org_not_found"
    # ...and acme's job does not exist in his own org.
    assert (await dave.post(dave.org(f"/jobs/{acme_job}/retry"), expect=404))["code"] == "job_not_found"
    await bob.post(bob.org(f"/jobs/{acme_job}/retry"), expect=403)
    anonymous = await alice.client.get(alice.org("/jobs"))
    assert anonymous.status_code == 401


async def test_an_admin_retries_a_failed_job(cast: dict[str, Api], uow_factory: UnitOfWorkFactory) -> None:
    alice = cast["alice"]
    await fail_jobs(cast, uow_factory)
    job = (await alice.get(alice.org("/jobs?status=failed")))["items"][0]
    retried = await alice.post(alice.org(f"/jobs/{job['id']}/retry"))
    assert (retried["status"], retried["attempts"], retried["last_error"]) == ("queued", 0, job["last_error"])
    assert (await alice.post(alice.org(f"/jobs/{job['id']}/retry"), expect=409))["code"] == "job_not_failed"
    registry, state = failing_then_fixed()
    state["broken"] = False
    assert await JobRunner(uow_factory, registry).run_once() == 1
    done = [j for j in await all_jobs(uow_factory) if j.id == job["id"]][0]
    assert (done.status, done.attempts, done.last_error) == ("done", 1, None)
    still_failed = (await alice.get(alice.org("/jobs?status=failed")))["items"]
    assert [j["args"]["what"] for j in still_failed] == ["acme 1"]
