"""Handlers by name. Each domain keeps a `JobRegistry` in its tasks.py; main.py includes them
into the app's registry, so the list of every job the server runs is visible in one place."""

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

    def get(self, name: str) -> JobSpec | None:
        return self._specs.get(name)

    def names(self) -> list[str]:
        return sorted(self._specs)
