"""Permission-checked loads of directory objects; a missing and a forbidden object fail alike."""

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncSession

from datetime import datetime

from tack.core.actor import Actor
from tack.core.errors import AppError, Forbidden, NotFound, Unauthorized
from tack.directory.models import Department, Member
from tack.directory.repository import (
    AccountRepository,
    DepartmentRepository,
    MemberRepository,
    scope_department_ids_now,
    session_rows_now,
)
from tack.directory.tree import DepartmentTree


class OrgNotFound(NotFound):
    code = "org_not_found"
    message = "No such organization, or you are not a member of it"


class MemberNotFound(NotFound):
    code = "member_not_found"
    message = "No such member"


class DepartmentNotFound(NotFound):
    code = "department_not_found"
    message = "No such department"


class OutOfScope(Forbidden):
    code = "out_of_scope"
    message = "That member or department is outside what you administer"


async def actor_for_org(session: AsyncSession, account_id: int, org_id: int) -> Actor:
    """The account's actor inside one organization; only active members get one."""
    member = await AccountRepository(session).member_for(account_id, org_id)
    if member is None or not member.active:
        raise OrgNotFound()
    scope: list[int] = []
    if member.role == "subadmin":
        scope = await MemberRepository(session, org_id).scope_department_ids(member.id)
    return Actor(
        account_id=account_id,
        org_id=org_id,
        member_id=member.id,
        role=member.role,
        scope_department_ids=frozenset(scope),
    )


def session_ended() -> Unauthorized:
    return Unauthorized("Your session has ended; sign in again", code="session_expired")


async def actors_for_sessions(session: AsyncSession, org_id: int, token_hashes: list[str], now: datetime) -> dict[str, Actor | AppError]:
    """The actor of each session token (by hash) inside one organization, or the error that
    signing in with it gives: what `get_caller` + `actor_for_org` decide for one request,
    decided for a batch in one read (the check-in burst resolves hundreds at once).
    Read in the caller's transaction, so a session ended or a member deactivated before it
    counts at once: nothing is cached."""
    connection = await session.connection()
    return await connection.run_sync(actors_for_sessions_now, org_id, token_hashes, now)


def actors_for_sessions_now(connection: Connection, org_id: int, token_hashes: list[str], now: datetime) -> dict[str, Actor | AppError]:
    """actors_for_sessions on a synchronous connection (inside SQLAlchemy's greenlet, as
    `AsyncConnection.run_sync` runs it): one hop for the whole decision, where the session's
    execute layer cost more than the read itself (a socket batch checks its senders each time)."""
    rows = {r[0]: r for r in session_rows_now(connection, org_id, sorted(set(token_hashes)))}
    out: dict[str, Actor | AppError] = {}
    for token_hash in token_hashes:
        row = rows.get(token_hash)
        if row is None or row[2] <= now:  # type: ignore[operator]
            out[token_hash] = session_ended()
            continue
        _, account_id, _, member_id, role, active = row
        if member_id is None or not active:
            out[token_hash] = OrgNotFound()
            continue
        scope: list[int] = []
        if role == "subadmin":
            scope = scope_department_ids_now(connection, org_id, member_id)
        out[token_hash] = Actor(
            account_id=account_id, org_id=org_id, member_id=member_id, role=role or "member", scope_department_ids=frozenset(scope)
        )
    return out


def org_id_of(actor: Actor) -> int:
    if actor.org_id is None:
        raise OrgNotFound()
    return actor.org_id


async def load_tree(session: AsyncSession, org_id: int) -> DepartmentTree:
    stmt = select(Department.id, Department.parent_id, Department.hidden).where(Department.org_id == org_id)
    return DepartmentTree.build((await session.execute(stmt)).all())


async def invisible_departments(session: AsyncSession, actor: Actor, tree: DepartmentTree) -> set[int]:
    """What this actor may not see of the tree; see DepartmentTree.invisible_to for the policy.

    - Owners and admins administer the whole directory, so nothing is hidden from them.
    - Everyone else: hidden departments they do not belong to (nor administer) vanish.
    """
    if actor.is_admin or not tree.hidden:
        return set()
    mine = (await MemberRepository(session, org_id_of(actor)).department_ids([actor.member_id or 0])).get(
        actor.member_id or 0, []
    )
    return tree.invisible_to(viewer_department_ids=mine, scope_roots=actor.scope_department_ids)


def member_visible(actor: Actor, member: Member, department_ids: list[int], invisible: set[int]) -> bool:
    """A member is visible unless every one of their departments is hidden from the viewer."""
    if member.id == actor.member_id or not invisible:
        return True
    return any(d not in invisible for d in department_ids) or not department_ids


def phone_visible(actor: Actor, member: Member, tree: DepartmentTree, department_ids: list[int]) -> bool:
    """Who sees a phone number that the member's settings hide.

    - The member themself.
    - Owners and admins.
    - Sub-admins whose scope includes one of the member's departments.
    - Nobody else: not colleagues, not managers, not the search results.
    """
    if not member.hide_phone or member.id == actor.member_id or actor.is_admin:
        return True
    if actor.role == "subadmin":
        return any(tree.within(d, actor.scope_department_ids) for d in department_ids)
    return False


async def access_member_by_id(
    session: AsyncSession,
    actor: Actor,
    member_id: int,
    *,
    tree: DepartmentTree | None = None,
    invisible: set[int] | None = None,
) -> Member:
    """A member the actor may see; inactive members only for administrators.

    Callers that already hold the tree and the viewer's invisible departments pass them in.
    """
    org_id = org_id_of(actor)
    member = await MemberRepository(session, org_id).get(member_id)
    if member is None or (not member.active and not actor.is_any_admin):
        raise MemberNotFound()
    if invisible is None:
        tree = tree or await load_tree(session, org_id)
        invisible = await invisible_departments(session, actor, tree)
    if invisible:
        dept_ids = (await MemberRepository(session, org_id).department_ids([member.id]))[member.id]
        if not member_visible(actor, member, dept_ids, invisible):
            raise MemberNotFound()
    return member


async def access_members_by_ids(
    session: AsyncSession, actor: Actor, member_ids: list[int], *, tree: DepartmentTree | None = None
) -> dict[int, Member]:
    """Many members at once, by the rules of `access_member_by_id`: raises MemberNotFound
    unless the actor may see every one. A constant number of
    queries, so adding thousands of people to a group is one read, not thousands."""
    org_id = org_id_of(actor)
    wanted = list(dict.fromkeys(member_ids))
    repo = MemberRepository(session, org_id)
    found = {m.id: m for m in await repo.get_many(wanted)}
    tree = tree or await load_tree(session, org_id)
    invisible = await invisible_departments(session, actor, tree)
    dept_ids = await repo.department_ids(list(found)) if invisible and found else {}
    for member_id in wanted:
        member = found.get(member_id)
        if member is None or (not member.active and not actor.is_any_admin):
            raise MemberNotFound()
        if invisible and not member_visible(actor, member, dept_ids.get(member_id, []), invisible):
            raise MemberNotFound()
    return found


async def access_department_by_id(
    session: AsyncSession, actor: Actor, department_id: int, *, tree: DepartmentTree | None = None
) -> Department:
    org_id = org_id_of(actor)
    department = await DepartmentRepository(session, org_id).get(department_id)
    if department is None:
        raise DepartmentNotFound()
    tree = tree or await load_tree(session, org_id)
    if department_id in await invisible_departments(session, actor, tree):
        raise DepartmentNotFound()
    return department


# --- administration ----------------------------------------------------------------------


def require_admin(actor: Actor) -> None:
    """Owners and admins only (org settings, roles, invitations of the whole org, audit log)."""
    if not actor.is_admin:
        raise Forbidden()


def require_owner(actor: Actor) -> None:
    if actor.role != "owner":
        raise Forbidden("Only an owner may do that", code="owner_required")


def require_department_admin(actor: Actor, tree: DepartmentTree, department_id: int) -> None:
    """Owners and admins: any department. Sub-admins: departments inside their scope."""
    if actor.is_admin:
        return
    if actor.role == "subadmin" and tree.within(department_id, actor.scope_department_ids):
        return
    if actor.role == "subadmin":
        raise OutOfScope()
    raise Forbidden()


def require_member_admin(
    actor: Actor, tree: DepartmentTree, department_ids: list[int], *, target_role: str = "member"
) -> None:
    """Who may manage a member (or, with the member's future departments, place one).

    - Owners and admins: anyone.
    - Sub-admins: members whose departments all lie in their scope. All, not any:
      otherwise a sub-admin of one department could edit a colleague who also belongs to a
      department they do not administer. Never an owner or an admin, wherever they sit.
    - Members: nobody.
    """
    if actor.is_admin:
        return
    if actor.role != "subadmin":
        raise Forbidden()
    if not department_ids or not all(tree.within(d, actor.scope_department_ids) for d in department_ids):
        raise OutOfScope()
    if target_role in ("owner", "admin"):
        raise Forbidden("Sub-admins cannot manage owners or admins")
