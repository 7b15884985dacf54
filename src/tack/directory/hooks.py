"""Directory hooks: how higher domains react to changes in the directory (DESIGN.md).

The directory knows no domain above it. It announces what changed with small typed
events; a higher domain registers a handler in main.py (chat keeps its department and
all-staff groups in step this way), so the flow stays visible in one place.

- Handlers run inside the same unit of work as the change, before COMMIT: their writes
  land or roll back with it, and their realtime events leave only after COMMIT.
- Member events carry a tuple of member ids, so a batch (an import of 10,000 rows) is
  one event and one handler call, never one per member.
- Every event carries its org_id; a handler must stay inside that organization.

| event               | emitted by                                                     |
|---------------------|----------------------------------------------------------------|
| OrgCreated          | do_create_org (the founding owner is already a member)         |
| DepartmentCreated   | check_create_department                                        |
| DepartmentRenamed   | check_update_department (name), check_update_org (root name)   |
| DepartmentMoved     | check_update_department (parent)                               |
| DepartmentDeleted   | check_delete_department                                        |
| MembersJoined       | member add, import (one event per import), invitation join     |
| MembersMoved        | check_update_member when the departments change                |
| MembersDeactivated  | check_set_member_active(active=False)                          |
| MembersReactivated  | check_set_member_active(active=True)                           |
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tack.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class OrgCreated:
    org_id: int
    owner_member_id: int


@dataclass(frozen=True, slots=True)
class DepartmentCreated:
    org_id: int
    department_id: int


@dataclass(frozen=True, slots=True)
class DepartmentRenamed:
    org_id: int
    department_id: int
    name: str


@dataclass(frozen=True, slots=True)
class DepartmentMoved:
    """The department (with its subtree) has a new parent."""

    org_id: int
    department_id: int


@dataclass(frozen=True, slots=True)
class DepartmentDeleted:
    org_id: int
    department_id: int


@dataclass(frozen=True, slots=True)
class MembersJoined:
    """New members of the organization (added, imported, or joined through an invitation)."""

    org_id: int
    member_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MembersMoved:
    """Members whose departments changed."""

    org_id: int
    member_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MembersDeactivated:
    org_id: int
    member_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MembersReactivated:
    org_id: int
    member_ids: tuple[int, ...]


DirectoryEvent = (
    OrgCreated
    | DepartmentCreated
    | DepartmentRenamed
    | DepartmentMoved
    | DepartmentDeleted
    | MembersJoined
    | MembersMoved
    | MembersDeactivated
    | MembersReactivated
)
Handler = Callable[[UnitOfWork, DirectoryEvent], Awaitable[None]]

_handlers: list[Handler] = []


def on_directory_change(handler: Handler) -> Handler:
    """Registers a handler for every directory event (once: registering again is a no-op,
    so building several apps in one process does not double the work)."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def registered() -> tuple[Handler, ...]:
    return tuple(_handlers)


async def emit(uow: UnitOfWork, event: DirectoryEvent) -> None:
    """Runs every registered handler, in registration order, inside the caller's unit of work."""
    if isinstance(event, (MembersJoined, MembersMoved, MembersDeactivated, MembersReactivated)) and not event.member_ids:
        return
    await uow.session.flush()
    for handler in _handlers:
        await handler(uow, event)
