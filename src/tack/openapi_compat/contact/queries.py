"""Users and departments in DingTalk's shapes, for an app: every read goes through
tack.directory.queries with the app's actor, so 通讯录隐藏, inactive members and tenancy are
decided where they are for everyone else.

Policy:
- An app reads as an administrator of its organization (tokens.AppCaller.actor).
- A member who left (deactivated) is "not found", as DingTalk answers for a departed user.
- Phone numbers only for apps holding the contact.mobile scope (DingTalk's 手机号码信息).
- Lists are per department, direct members only, at most 100 per page (DingTalk's limits).
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from tack.directory import queries as directory
from tack.directory.access import DepartmentNotFound, MemberNotFound
from tack.directory.schemas import DepartmentRead, MemberRead
from tack.openapi_compat.apps.scopes import CONTACT_MOBILE
from tack.openapi_compat.contact import ids
from tack.openapi_compat.tokens import AppCaller

MAX_PAGE = 100

# The org's root department never changes (it cannot be moved or deleted), so it is kept per
# app key: an app never changes org, and a key is never reused.
_ROOTS: dict[str, int] = {}


class UserNotFound(MemberNotFound):
    pass


def _root_of(db: Connection | Session, caller: AppCaller) -> int:
    key = f"{caller.app_id}:{caller.org_id}"
    if key not in _ROOTS:
        if len(_ROOTS) > 10000:
            _ROOTS.clear()
        _ROOTS[key] = directory.root_department_id(db, caller.actor)
    return _ROOTS[key]


async def root_id(session: AsyncSession, caller: AppCaller) -> int:
    root = _ROOTS.get(f"{caller.app_id}:{caller.org_id}")
    return root if root is not None else await session.run_sync(_root_of, caller)


@dataclass(frozen=True, slots=True)
class User:
    """A member as the app may see them, with DingTalk's ids already worked out."""

    read: MemberRead
    userid: str
    unionid: str
    department_ids: list[int]
    mobile: str | None


def _user(caller: AppCaller, read: MemberRead, root: int) -> User:
    return User(
        read=read,
        userid=ids.userid(read.id),
        unionid=ids.unionid(caller.org_id, read.id),
        department_ids=[d for d in (ids.external_department(x, root) for x in read.department_ids) if d is not None],
        mobile=read.phone if CONTACT_MOBILE in caller.scopes else None,
    )


def user_of(db: Connection | Session, caller: AppCaller, userid: str) -> User:
    """One statement (two the first time an app asks): an app reads as an admin, so the
    directory's one-statement admin read applies. Synchronous, for storage's single reads
    (the /user/get lane); `get_user` runs it on a session."""
    member_id = ids.member_id_of(userid)
    if member_id is None:
        raise UserNotFound()
    read = directory.member_as_admin(db, caller.actor, member_id)
    if not read.active:
        raise UserNotFound()
    return _user(caller, read, _root_of(db, caller))


async def get_user(session: AsyncSession, caller: AppCaller, userid: str) -> User:
    return await session.run_sync(user_of, caller, userid)


async def user_by_unionid(session: AsyncSession, caller: AppCaller, unionid: str) -> User:
    member_id = ids.member_id_of_unionid(caller.org_id, unionid)
    if member_id is None:
        raise UserNotFound()
    return await get_user(session, caller, ids.userid(member_id))


@dataclass(frozen=True, slots=True)
class UserPage:
    users: list[User]
    total: int
    next_offset: int | None


async def list_users(
    session: AsyncSession, caller: AppCaller, *, department: int | None, offset: int, size: int, query: str | None = None
) -> UserPage:
    root = await root_id(session, caller)
    department_id = None if department is None else ids.internal_department(department, root)
    if department_id is not None:
        await get_department(session, caller, department_id)  # an unknown or hidden one is not found
    page = await directory.list_members(
        session, caller.actor, department_id=department_id, q=query, offset=offset, limit=max(1, min(size, MAX_PAGE))
    )
    return UserPage([_user(caller, r, root) for r in page.items], page.total, page.next_offset)


async def count_users(session: AsyncSession, caller: AppCaller) -> int:
    return (await directory.list_members(session, caller.actor, limit=1)).total


@dataclass(frozen=True, slots=True)
class Dept:
    read: DepartmentRead
    id: int
    parent_id: int | None


async def get_department(session: AsyncSession, caller: AppCaller, department: int) -> Dept:
    root = await root_id(session, caller)
    read = await directory.get_department(session, caller.actor, ids.internal_department(department, root))
    return Dept(read, ids.external_department(read.id, root) or ids.ROOT, ids.external_department(read.parent_id, root))


async def list_departments(session: AsyncSession, caller: AppCaller, parent: int, *, recursive: bool) -> list[Dept]:
    """Sub-departments of `parent` (not `parent` itself), ordered as the directory orders them."""
    root = await root_id(session, caller)
    parent_id = ids.internal_department(parent, root)
    items = (await directory.list_departments(session, caller.actor)).items
    if parent_id not in {d.id for d in items}:
        raise DepartmentNotFound()
    children: dict[int | None, list[DepartmentRead]] = {}
    for d in items:
        children.setdefault(d.parent_id, []).append(d)
    out: list[Dept] = []
    stack = [parent_id]
    while stack:
        current = stack.pop(0)
        for child in sorted(children.get(current, []), key=lambda d: (d.sort_order, d.id)):
            out.append(Dept(child, child.id, ids.external_department(child.parent_id, root)))
            if recursive:
                stack.append(child.id)
    return out


async def search_departments(session: AsyncSession, caller: AppCaller, word: str) -> list[int]:
    root = await root_id(session, caller)
    word = word.strip().lower()
    items = (await directory.list_departments(session, caller.actor)).items
    return [ids.external_department(d.id, root) or ids.ROOT for d in items if word and word in d.name.lower()]


# --- DingTalk shapes ----------------------------------------------------------------------


def _ms(value: Any) -> int | None:
    if value is None:
        return None
    from datetime import datetime, time, timezone

    return int(datetime.combine(value, time(0), tzinfo=timezone.utc).timestamp() * 1000)


def oapi_user(user: User) -> dict[str, Any]:
    """The old /user/get object (camelCase, as dingtalk-sdk's callers read it)."""
    r = user.read
    out: dict[str, Any] = {
        "userid": user.userid,
        "unionid": user.unionid,
        "name": r.name,
        "department": user.department_ids,
        "position": r.job_title or "",
        "email": r.email or "",
        "orgEmail": "",
        "jobnumber": r.employee_no or "",
        "active": r.has_account,
        "isAdmin": r.role in ("owner", "admin"),
        "isBoss": r.role == "owner",
        "isHide": r.hide_phone,
        "isSenior": False,
        "avatar": "",
        "stateCode": "86",
        "tel": "",
        "workPlace": "",
        "remark": "",
        "managerUserId": ids.userid(r.manager_id) if r.manager_id else "",
    }
    if user.mobile:
        out["mobile"] = user.mobile
    if r.hire_date:
        out["hiredDate"] = _ms(r.hire_date)
    return out


def topapi_user(user: User) -> dict[str, Any]:
    """The /topapi/v2/user/get `result` (snake_case)."""
    r = user.read
    out: dict[str, Any] = {
        "userid": user.userid,
        "unionid": user.unionid,
        "name": r.name,
        "dept_id_list": user.department_ids,
        "title": r.job_title or "",
        "email": r.email or "",
        "job_number": r.employee_no or "",
        "active": r.has_account,
        "admin": r.role in ("owner", "admin"),
        "boss": r.role == "owner",
        "hide_mobile": r.hide_phone,
        "senior": False,
        "avatar": "",
        "state_code": "86",
        "manager_userid": ids.userid(r.manager_id) if r.manager_id else "",
    }
    if user.mobile:
        out["mobile"] = user.mobile
    if r.hire_date:
        out["hired_date"] = _ms(r.hire_date)
    return out


def oapi_department(dept: Dept) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": dept.id,
        "name": dept.read.name,
        "order": dept.read.sort_order,
        "createDeptGroup": False,
        "autoAddUser": False,
        "deptHiding": dept.read.hidden,
        "deptManagerUseridList": "|".join(ids.userid(m) for m in dept.read.manager_ids),
    }
    if dept.parent_id is not None:
        out["parentid"] = dept.parent_id
    return out


def topapi_department(dept: Dept) -> dict[str, Any]:
    out: dict[str, Any] = {
        "dept_id": dept.id,
        "name": dept.read.name,
        "order": dept.read.sort_order,
        "create_dept_group": False,
        "auto_add_user": False,
        "hide_dept": dept.read.hidden,
        "dept_manager_userid_list": [ids.userid(m) for m in dept.read.manager_ids],
    }
    if dept.parent_id is not None:
        out["parent_id"] = dept.parent_id
    return out
