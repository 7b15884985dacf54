"""Handlers by name. Each domain keeps a `JobRegistry` in its tasks.py; main.py includes them
into the app's registry, so the list of every job the server runs is visible in one place."""

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tack.storage.uow import UnitOfWork

# A handler gets its own unit of work and the job's JSON args. It must be idempotent: a job
# may run more than once when a process dies after the handler's side effects outside the
# database (an SMS sent) but before its COMMIT. Its database writes commit together with the
# job being marked done, so they happen exactly once.
Handler = Callable[[UnitOfWork, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str
    handler: Handler
    # Longer than this and the attempt is cancelled and counted as failed. None: the
    # runner's default, which stays below the lease so no second runner can claim the job
    # while this one is still working on it.
    timeout_seconds: float | None = None


class JobRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, JobSpec] = {}
        self._later: list[str] = []

    def register(self, name: str, handler: Handler, *, timeout_seconds: float | None = None) -> None:
        if "." not in name:
            raise ValueError(f"job names are 'domain.verb', got {name!r}")
        if name in self._specs:
            raise ValueError(f"job {name!r} is registered twice")
        self._specs[name] = JobSpec(name, handler, timeout_seconds)

    def job(self, name: str, *, timeout_seconds: float | None = None) -> Callable[[Handler], Handler]:
        """`@jobs.job("ding.remind")` above an `async def remind(uow, args)`."""

        def decorate(handler: Handler) -> Handler:
            self.register(name, handler, timeout_seconds=timeout_seconds)
            return handler

        return decorate

    def include(self, other: "JobRegistry") -> None:
        for spec in other._specs.values():
            self.register(spec.name, spec.handler, timeout_seconds=spec.timeout_seconds)

    def include_later(self, module: str) -> None:
        """`module`'s `jobs` registry, imported when a job is looked up that the registry
        does not hold yet: a server that runs none of a domain's jobs does not keep the
        domain's code in memory for them (core/lazy.py)."""
        self._later.append(module)

    def _load_next(self) -> None:
        self.include(importlib.import_module(self._later.pop(0)).jobs)

    def get(self, name: str) -> JobSpec | None:
        spec = self._specs.get(name)
        while spec is None and self._later:  # in order, only as far as needed
            self._load_next()
            spec = self._specs.get(name)
        return spec

    def names(self) -> list[str]:
        while self._later:
            self._load_next()
        return sorted(self._specs)
