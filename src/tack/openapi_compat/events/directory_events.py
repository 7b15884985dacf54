"""Directory changes → DingTalk's 通讯录 events (registered in main.py on directory.hooks).

| directory event                    | EventType        |
|------------------------------------|------------------|
| MembersJoined, MembersReactivated  | user_add_org     |
| MembersMoved                       | user_modify_org  |
| MembersDeactivated                 | user_leave_org   |
| DepartmentCreated                  | org_dept_create  |
| DepartmentRenamed, DepartmentMoved | org_dept_modify  |
| DepartmentDeleted                  | org_dept_remove  |

Runs in the directory change's own unit of work, so its deliveries commit (or roll back) with it.
"""

from tack.core.actor import Actor
from tack.directory import hooks, queries
from tack.openapi_compat.contact import ids
from tack.openapi_compat.events import actions, payloads, types
from tack.storage.uow import UnitOfWork

_MEMBER_TYPES = {
    hooks.MembersJoined: types.USER_ADD,
    hooks.MembersReactivated: types.USER_ADD,
    hooks.MembersMoved: types.USER_MODIFY,
    hooks.MembersDeactivated: types.USER_LEAVE,
}
_DEPARTMENT_TYPES = {
    hooks.DepartmentCreated: types.DEPT_CREATE,
    hooks.DepartmentRenamed: types.DEPT_MODIFY,
    hooks.DepartmentMoved: types.DEPT_MODIFY,
    hooks.DepartmentDeleted: types.DEPT_REMOVE,
}


async def _external_department(uow: UnitOfWork, org_id: int, department_id: int) -> int:
    """The root is department 1 in DingTalk's ids (contact.ids)."""
    org = await queries.get_org(uow.session, Actor(account_id=0, org_id=org_id, role="owner", kind="app"))
    return ids.external_department(department_id, org.root_department_id) or department_id


async def on_directory_change(uow: UnitOfWork, event: hooks.DirectoryEvent) -> None:
    if isinstance(event, hooks.OrgCreated):
        return
    member_type = _MEMBER_TYPES.get(type(event))
    if member_type is not None:
        await actions.do_publish(uow, event.org_id, member_type,
                                 payloads.users(member_type, event.org_id, event.member_ids))  # type: ignore[union-attr]
        return
    department_type = _DEPARTMENT_TYPES.get(type(event))
    if department_type is not None:
        department_id: int = event.department_id  # type: ignore[union-attr]
        if department_type == types.DEPT_MODIFY:
            department_id = await _external_department(uow, event.org_id, department_id)
        await actions.do_publish(uow, event.org_id, department_type,
                                 payloads.departments(department_type, event.org_id, [department_id]))
