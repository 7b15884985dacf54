"""Fixtures of the directory suite: cheap password hashing and the cast with roles handed out."""

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from tack.directory import passwords
from tests.helpers import Api


@pytest.fixture(scope="session", autouse=True)
def _cheap_argon2() -> Iterator[None]:
    """The same argon2 code path with the lowest cost, so that the cast builds in milliseconds.

    Production parameters cost ~50-200 ms per hash; nothing here depends on the cost.
    """
    hasher, dummy = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("tack-dummy-password")
    yield
    passwords._hasher, passwords._DUMMY_HASH = hasher, dummy


@pytest.fixture
async def roles(cast: dict[str, Api]) -> dict[str, Api]:
    """The cast with every role in acme: alice owner, carol admin (市场部),
    bob sub-admin of 研发部 (and a member of it), eve a plain member of 研发部."""
    alice = cast["alice"]
    await alice.put(alice.org(f"/members/{cast['carol'].member_id}/role"), json={"role": "admin"})
    await alice.put(
        alice.org(f"/members/{cast['bob'].member_id}/role"),
        json={"role": "subadmin", "scope_department_ids": [alice.refs["rd"]]},
    )
    return cast
