"""Member writes: add, edit, deactivate/reactivate, roles, passwords issued by an admin."""

from dataclasses import dataclass

from sqlalchemy import func, select

from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import BadRequest, Conflict, Forbidden
from tack.directory.access import (
    DepartmentNotFound,
    MemberNotFound,
    access_member_by_id,
    load_tree,
    org_id_of,
    require_admin,
    require_member_admin,
    require_owner,
)
from tack.directory import hooks
from tack.directory.actions.accounts import check_password_strength
from tack.directory.actions.audit import do_audit
from tack.directory.models import Account, Member
from tack.directory.passwords import generate_password, hash_password
from tack.directory.pinyin import search_keys, sort_key
from tack.directory.repository import AccountRepository, MemberRepository
from tack.directory.schemas import MemberCreate, MemberUpdate, RoleUpdate
from tack.directory.tree import DepartmentTree
from tack.storage.uow import UnitOfWork

UNIQUE_FIELDS = {"phone": "phone_taken", "email": "email_taken", "employee_no": "employee_no_taken"}


class ContactRequired(BadRequest):
    code = "contact_required"
    message = "Give a phone number or an e-mail address"


class ManagerCycle(BadRequest):
    code = "manager_cycle"
    message = "A member cannot report, directly or not, to themself"


class LastOwner(Conflict):
    code = "last_owner"
    message = "An organization needs at least one owner"


@dataclass(frozen=True, slots=True)
class MemberAdded:
    member: Member
    department_ids: list[int]
    initial_password: str | None


async def _check_unique(repo: MemberRepository, values: dict[str, str | None], *, exclude_id: int | None) -> None:
    for field, code in UNIQUE_FIELDS.items():
        value = values.get(field)
        if value:
            other = await repo.by_field(field, value)
            if other is not None and other.id != exclude_id:
                raise Conflict(f"Another member of this organization already has that {field}", code=code)


def _check_departments(actor: Actor, tree: DepartmentTree, department_ids: list[int]) -> None:
    for department_id in department_ids:
        if department_id not in tree:
            raise DepartmentNotFound(f"Department {department_id} does not exist")
    require_member_admin(actor, tree, department_ids)


async def _check_manager(repo: MemberRepository, member_id: int | None, manager_id: int | None) -> None:
    if manager_id is None:
        return
    seen = {member_id} if member_id else set()
    current: int | None = manager_id
    first = True
    while current is not None:
        if current in seen:
            raise ManagerCycle()
        seen.add(current)
        manager = await repo.get(current)
        if manager is None:
            raise MemberNotFound("The manager is not a member of this organization")
        if first and not manager.active:
            raise BadRequest("The manager has been deactivated", code="member_inactive")
        first = False
        current = manager.manager_id


async def do_link_account(
    uow: UnitOfWork, *, name: str, phone: str | None, email: str | None, password: str | None
) -> tuple[Account, bool]:
    """The account this phone/e-mail belongs to, or a new one; says whether it was created."""
    found = await AccountRepository(uow.session).by_phone_or_email(phone, email)
    if len(found) > 1:
        raise Conflict("The phone and the e-mail belong to two different people", code="contact_conflict")
    if found:
        return found[0], False
    account = Account(name=name, phone=phone, email=email)
    if password is not None:
        account.password_hash = await hash_password(password)
    uow.session.add(account)
    await uow.session.flush()
    return account, True


async def check_add_member(uow: UnitOfWork, actor: Actor, body: MemberCreate) -> MemberAdded:
    """Adds a member; a new account gets a first password (given or generated, shown once).

    Raises:
        ContactRequired, Conflict (phone/e-mail/employee no. taken), DepartmentNotFound,
        OutOfScope (sub-admin outside their departments), MemberNotFound (manager).
    """
    org_id = org_id_of(actor)
    if not body.phone and not body.email:
        raise ContactRequired()
    if body.password is not None:
        check_password_strength(body.password)
    tree = await load_tree(uow.session, org_id)
    root = next(d for d, p in tree.parent.items() if p is None)
    department_ids = list(dict.fromkeys(body.department_ids)) or [root]
    _check_departments(actor, tree, department_ids)
    repo = MemberRepository(uow.session, org_id)
    await _check_unique(repo, body.model_dump(), exclude_id=None)
    await _check_manager(repo, None, body.manager_id)
    password = body.password or generate_password()
    account, created = await do_link_account(
        uow, name=body.name, phone=body.phone, email=body.email, password=password
    )
    if not created and await AccountRepository(uow.session).member_for(account.id, org_id):
        raise Conflict("That person is already a member of this organization", code="already_member")
    member = await do_add_member(uow, actor, body, account_id=account.id, department_ids=department_ids)
    # An existing account keeps its own password; only a new one gets the generated one.
    return MemberAdded(
        member=member,
        department_ids=department_ids,
        initial_password=password if created and body.password is None else None,
    )


async def _had_other_memberships(uow: UnitOfWork, account_id: int, org_id: int) -> bool:
    stmt = select(func.count()).select_from(Member).where(Member.account_id == account_id, Member.org_id != org_id)
    return bool((await uow.session.execute(stmt)).scalar_one())


async def do_add_member(
    uow: UnitOfWork, actor: Actor, body: MemberCreate, *, account_id: int | None, department_ids: list[int]
) -> Member:
    repo = MemberRepository(uow.session, org_id_of(actor))
    member = repo.add(
        Member(
            account_id=account_id,
            name=body.name,
            phone=body.phone,
            email=body.email,
            job_title=body.job_title or None,
            employee_no=body.employee_no or None,
            manager_id=body.manager_id,
            hire_date=body.hire_date,
            hide_phone=body.hide_phone,
            pinyin=search_keys(body.name),
            sort_key=sort_key(body.name),
        )
    )
    await repo.flush()
    await repo.set_departments(member.id, department_ids)
    await do_audit(
        uow, actor, "member.add", target_type="member", target_id=member.id, target_name=member.name,
        detail={"department_ids": department_ids},
    )
    await hooks.emit(uow, hooks.MembersJoined(org_id_of(actor), (member.id,)))
    return member


async def check_update_member(uow: UnitOfWork, actor: Actor, member_id: int, body: MemberUpdate) -> Member:
    """Edits a profile. Changing departments needs admin rights over the old and the new ones."""
    org_id = org_id_of(actor)
    tree = await load_tree(uow.session, org_id)
    member = await access_member_by_id(uow.session, actor, member_id, tree=tree)
    repo = MemberRepository(uow.session, org_id)
    current_departments = (await repo.department_ids([member.id]))[member.id]
    require_member_admin(actor, tree, current_departments, target_role=member.role)
    given = body.model_fields_set
    values = body.model_dump(include=given)
    if ("phone" in given or "email" in given) and not (
        values.get("phone", member.phone) or values.get("email", member.email)
    ):
        raise ContactRequired()
    await _check_unique(repo, values, exclude_id=member.id)
    if "manager_id" in given:
        await _check_manager(repo, member.id, body.manager_id)
    changes: dict[str, object] = {}
    if body.department_ids is not None:
        department_ids = list(dict.fromkeys(body.department_ids))
        _check_departments(actor, tree, department_ids)
        if set(department_ids) != set(current_departments):
            await repo.set_departments(member.id, department_ids)
            changes["department_ids"] = [current_departments, department_ids]
    for field in ("name", "phone", "email", "job_title", "employee_no", "manager_id", "hire_date", "hide_phone"):
        if field in given and getattr(member, field) != values[field]:
            if field == "name" and values[field] is None:
                continue
            if field == "hide_phone" and values[field] is None:
                continue
            changes[field] = [str(getattr(member, field)), str(values[field])]
            setattr(member, field, values[field] or (None if field != "hide_phone" else False))
    if "name" in changes:
        member.pinyin = search_keys(member.name)
        member.sort_key = sort_key(member.name)
    await do_audit(
        uow, actor, "member.update", target_type="member", target_id=member.id, target_name=member.name,
        detail=changes,
    )
    if "department_ids" in changes:
        await hooks.emit(uow, hooks.MembersMoved(org_id, (member.id,)))
    return member


async def check_set_member_active(uow: UnitOfWork, actor: Actor, member_id: int, *, active: bool) -> Member:
    """Deactivation keeps the member's history; they can no longer act in this organization."""
    org_id = org_id_of(actor)
    tree = await load_tree(uow.session, org_id)
    member = await access_member_by_id(uow.session, actor, member_id, tree=tree)
    repo = MemberRepository(uow.session, org_id)
    require_member_admin(actor, tree, (await repo.department_ids([member.id]))[member.id], target_role=member.role)
    if member.active == active:
        return member
    if not active:
        if member.id == actor.member_id:
            raise BadRequest("You cannot deactivate yourself", code="cannot_deactivate_self")
        if member.role == "owner" and await repo.count_owners() <= 1:
            raise LastOwner()
        if member.role in ("owner", "admin") and actor.role != "owner":
            raise Forbidden("Only an owner may deactivate an owner or an admin", code="owner_required")
    member.active = active
    member.deactivated_at = None if active else utc_now()
    await do_audit(
        uow, actor, "member.reactivate" if active else "member.deactivate", target_type="member",
        target_id=member.id, target_name=member.name,
    )
    event = hooks.MembersReactivated if active else hooks.MembersDeactivated
    await hooks.emit(uow, event(org_id, (member.id,)))
    return member


async def check_set_role(uow: UnitOfWork, actor: Actor, member_id: int, body: RoleUpdate) -> Member:
    """Roles: owners grant and revoke owner and admin; admins grant and revoke sub-admin."""
    org_id = org_id_of(actor)
    require_admin(actor)
    tree = await load_tree(uow.session, org_id)
    member = await access_member_by_id(uow.session, actor, member_id, tree=tree)
    if not member.active:
        raise BadRequest("The member has been deactivated", code="member_inactive")
    if body.role in ("owner", "admin") or member.role in ("owner", "admin"):
        require_owner(actor)
    repo = MemberRepository(uow.session, org_id)
    if member.role == "owner" and body.role != "owner" and await repo.count_owners() <= 1:
        raise LastOwner()
    scope = list(dict.fromkeys(body.scope_department_ids)) if body.role == "subadmin" else []
    if body.role == "subadmin" and not scope:
        raise BadRequest("A sub-admin needs at least one department", code="scope_required")
    for department_id in scope:
        if department_id not in tree:
            raise DepartmentNotFound(f"Department {department_id} does not exist")
    old_role = member.role
    member.role = body.role
    await repo.set_scope(member.id, scope)
    await do_audit(
        uow, actor, "member.set_role", target_type="member", target_id=member.id, target_name=member.name,
        detail={"role": [old_role, body.role], "scope_department_ids": scope},
    )
    return member


async def check_issue_password(uow: UnitOfWork, actor: Actor, member_id: int) -> str:
    """An admin issues a new password (for imported members, or the forgotten).

    - Owners and admins; sub-admins for members inside their scope.
    - Only owners for owners and admins.
    - Never for an account that also belongs to another organization: one org's admin
      must not take over a person's account elsewhere.
    """
    org_id = org_id_of(actor)
    tree = await load_tree(uow.session, org_id)
    member = await access_member_by_id(uow.session, actor, member_id, tree=tree)
    repo = MemberRepository(uow.session, org_id)
    require_member_admin(actor, tree, (await repo.department_ids([member.id]))[member.id], target_role=member.role)
    if member.role in ("owner", "admin") and member.id != actor.member_id:
        require_owner(actor)
    if member.account_id is None:
        account, created = await do_link_account(
            uow, name=member.name, phone=member.phone, email=member.email, password=None
        )
        if not created and await AccountRepository(uow.session).member_for(account.id, org_id):
            raise Conflict("That account already belongs to another member here", code="contact_conflict")
        member.account_id = account.id
    account = await AccountRepository(uow.session).get(member.account_id)
    assert account is not None
    if await _had_other_memberships(uow, account.id, org_id):
        raise Conflict(
            "This person also belongs to another organization; they must change their password themselves",
            code="account_shared",
        )
    password = generate_password()
    account.password_hash = await hash_password(password)
    await AccountRepository(uow.session).delete_sessions(account.id)
    await do_audit(
        uow, actor, "member.issue_password", target_type="member", target_id=member.id, target_name=member.name
    )
    return password
