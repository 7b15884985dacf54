"""Department tree writes: create, rename, reorder, move (no cycles), delete when empty, managers."""

from tack.core.actor import Actor
from tack.core.errors import BadRequest, Conflict
from tack.directory.access import (
    DepartmentNotFound,
    access_department_by_id,
    load_tree,
    org_id_of,
    require_department_admin,
)
from tack.directory import hooks
from tack.directory.actions.audit import do_audit
from tack.directory.models import Department
from tack.directory.repository import DepartmentRepository, MemberRepository
from tack.directory.schemas import DepartmentCreate, DepartmentManagersUpdate, DepartmentUpdate
from tack.storage.uow import UnitOfWork


class DepartmentCycle(BadRequest):
    code = "department_cycle"
    message = "A department cannot move under itself or one of its sub-departments"


class RootDepartment(BadRequest):
    code = "root_department"
    message = "The root department cannot be moved or deleted"


class DepartmentNotEmpty(Conflict):
    code = "department_not_empty"
    message = "The department still has members or sub-departments"


async def check_create_department(uow: UnitOfWork, actor: Actor, body: DepartmentCreate) -> Department:
    tree = await load_tree(uow.session, org_id_of(actor))
    if body.parent_id not in tree:
        raise DepartmentNotFound("The parent department does not exist")
    require_department_admin(actor, tree, body.parent_id)
    repo = DepartmentRepository(uow.session, org_id_of(actor))
    department = repo.add(
        Department(name=body.name, parent_id=body.parent_id, sort_order=body.sort_order, hidden=body.hidden)
    )
    await repo.flush()
    await do_audit(
        uow, actor, "department.create", target_type="department", target_id=department.id,
        target_name=department.name, detail={"parent_id": body.parent_id},
    )
    await hooks.emit(uow, hooks.DepartmentCreated(org_id_of(actor), department.id))
    return department


async def check_update_department(
    uow: UnitOfWork, actor: Actor, department_id: int, body: DepartmentUpdate
) -> Department:
    """Rename, reorder, hide, or move; a sub-admin needs both the old and the new place in scope."""
    tree = await load_tree(uow.session, org_id_of(actor))
    department = await access_department_by_id(uow.session, actor, department_id, tree=tree)
    require_department_admin(actor, tree, department_id)
    changes: dict[str, object] = {}
    if body.parent_id is not None and body.parent_id != department.parent_id:
        if department.parent_id is None:
            raise RootDepartment()
        if body.parent_id not in tree:
            raise DepartmentNotFound("The new parent department does not exist")
        if body.parent_id in tree.subtree(department_id):
            raise DepartmentCycle()
        require_department_admin(actor, tree, body.parent_id)
        changes["parent_id"] = [department.parent_id, body.parent_id]
        department.parent_id = body.parent_id
    if body.name is not None and body.name != department.name:
        changes["name"] = [department.name, body.name]
        department.name = body.name
    if body.sort_order is not None:
        department.sort_order = body.sort_order
        changes["sort_order"] = body.sort_order
    if body.hidden is not None and body.hidden != department.hidden:
        if department.parent_id is None:
            raise RootDepartment("The root department cannot be hidden")
        department.hidden = body.hidden
        changes["hidden"] = body.hidden
    await do_audit(
        uow, actor, "department.update", target_type="department", target_id=department.id,
        target_name=department.name, detail=changes,
    )
    if "parent_id" in changes:
        await hooks.emit(uow, hooks.DepartmentMoved(org_id_of(actor), department.id))
    if "name" in changes:
        await hooks.emit(uow, hooks.DepartmentRenamed(org_id_of(actor), department.id, department.name))
    return department


async def check_delete_department(uow: UnitOfWork, actor: Actor, department_id: int) -> None:
    org_id = org_id_of(actor)
    tree = await load_tree(uow.session, org_id)
    department = await access_department_by_id(uow.session, actor, department_id, tree=tree)
    require_department_admin(actor, tree, department_id)
    if department.parent_id is None:
        raise RootDepartment()
    repo = DepartmentRepository(uow.session, org_id)
    if await repo.child_count(department_id) or await MemberRepository(uow.session, org_id).count_in_department(
        department_id
    ):
        raise DepartmentNotEmpty()
    await repo.delete(department)
    await do_audit(
        uow, actor, "department.delete", target_type="department", target_id=department_id,
        target_name=department.name,
    )
    await hooks.emit(uow, hooks.DepartmentDeleted(org_id, department_id))


async def check_set_department_managers(
    uow: UnitOfWork, actor: Actor, department_id: int, body: DepartmentManagersUpdate
) -> Department:
    org_id = org_id_of(actor)
    tree = await load_tree(uow.session, org_id)
    department = await access_department_by_id(uow.session, actor, department_id, tree=tree)
    require_department_admin(actor, tree, department_id)
    member_ids = list(dict.fromkeys(body.member_ids))
    found = await MemberRepository(uow.session, org_id).get_many(member_ids)
    if len(found) != len(member_ids) or not all(m.active for m in found):
        raise BadRequest("Every manager must be an active member of this organization", code="member_not_found")
    await DepartmentRepository(uow.session, org_id).set_managers(department_id, member_ids)
    await do_audit(
        uow, actor, "department.set_managers", target_type="department", target_id=department_id,
        target_name=department.name, detail={"member_ids": member_ids},
    )
    return department
