"""Permission-checked loads of attendance rules, and who may see whose attendance.

Rules (groups, shifts, places, holidays, schedules, devices) are managed by the org's owners
and admins. A missing object and another org's object fail alike (404 with the object's code).
Attendance of others: admins see everyone; sub-admins the members of their departments;
department managers (部门主管) the members of the departments they manage; everyone themselves.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from tack.attendance.models import AttendanceDevice, AttendanceGroup, AttendancePlace, AttendanceShift
from tack.attendance.repository import DeviceRepository, GroupRepository, PlaceRepository, ShiftRepository
from tack.core.actor import Actor
from tack.core.errors import Forbidden, NotFound
from tack.directory.access import load_tree, org_id_of, require_admin
from tack.directory.queries import managed_department_ids, member_departments


class GroupNotFound(NotFound):
    code = "attendance_group_not_found"
    message = "No such attendance group"


class ShiftNotFound(NotFound):
    code = "shift_not_found"
    message = "No such shift"


class PlaceNotFound(NotFound):
    code = "place_not_found"
    message = "No such check-in place"


class DeviceNotFound(NotFound):
    code = "device_not_found"
    message = "No such clock-in device"


class NotAManager(Forbidden):
    code = "attendance_not_manager"
    message = "Only admins and department managers see others' attendance"


def require_rules_admin(actor: Actor) -> int:
    require_admin(actor)
    return org_id_of(actor)


async def access_group_by_id(session: AsyncSession, actor: Actor, group_id: int) -> AttendanceGroup:
    group = await GroupRepository(session, require_rules_admin(actor)).get(group_id)
    if group is None:
        raise GroupNotFound()
    return group


async def access_shift_by_id(session: AsyncSession, actor: Actor, shift_id: int) -> AttendanceShift:
    shift = await ShiftRepository(session, require_rules_admin(actor)).get(shift_id)
    if shift is None:
        raise ShiftNotFound()
    return shift


async def access_place_by_id(session: AsyncSession, actor: Actor, place_id: int) -> AttendancePlace:
    place = await PlaceRepository(session, require_rules_admin(actor)).get(place_id)
    if place is None:
        raise PlaceNotFound()
    return place


async def access_device_by_id(session: AsyncSession, actor: Actor, device_id: int) -> AttendanceDevice:
    device = await DeviceRepository(session, require_rules_admin(actor)).get(device_id)
    if device is None:
        raise DeviceNotFound()
    return device


async def visible_member_ids(session: AsyncSession, actor: Actor) -> set[int] | None:
    """Whose attendance the actor may see: None = the whole org (admins)."""
    org_id = org_id_of(actor)
    if actor.is_admin:
        return None
    roots: set[int] = set(actor.scope_department_ids) if actor.role == "subadmin" else set()
    if actor.member_id is not None:
        roots |= set(await managed_department_ids(session, org_id, actor.member_id))
    if not roots:
        raise NotAManager()
    tree = await load_tree(session, org_id)
    departments: set[int] = set()
    for root in roots:
        departments |= tree.subtree(root)
    return {m for m, ds in (await member_departments(session, org_id)).items() if departments.intersection(ds)}
