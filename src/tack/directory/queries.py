"""Reads of the directory for the API, the web client and (later) the realtime snapshot."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import NotFound
from tack.directory.access import (
    MemberNotFound,
    access_department_by_id,
    access_member_by_id,
    invisible_departments,
    load_tree,
    org_id_of,
    phone_visible,
    require_admin,
    require_department_admin,
)
from tack.directory.models import Department, DepartmentManager, Invitation, JoinRequest, Member, MemberDepartment
from tack.directory.repository import (
    AccountRepository,
    AuditRepository,
    DepartmentRepository,
    MemberRepository,
    member_profile_rows,
    org_root_id,
)
from tack.directory.schemas import (
    AccountRead,
    AuditPage,
    AuditRead,
    DepartmentList,
    DepartmentRead,
    InvitationPublicRead,
    InvitationRead,
    JoinRequestRead,
    MemberCard,
    MemberPage,
    MemberRead,
    MembershipRead,
    OrgRead,
)
from tack.directory.tree import DepartmentTree

MAX_PAGE = 100
SEARCH_CAP = 500


async def get_account(session: AsyncSession, account_id: int) -> AccountRead:
    repo = AccountRepository(session)
    account = await repo.get(account_id)
    assert account is not None
    memberships = [
        MembershipRead(org_id=o.id, org_name=o.name, member_id=m.id, role=m.role)  # type: ignore[arg-type]
        for m, o in await repo.memberships(account_id)
    ]
    return AccountRead(
        id=account.id,
        name=account.name,
        phone=account.phone,
        email=account.email,
        totp_enabled=account.totp_enabled,
        language=account.language,
        memberships=memberships,
        last_org_id=account.last_org_id,
    )


async def get_org(session: AsyncSession, actor: Actor) -> OrgRead:
    org_id = org_id_of(actor)
    org = await AccountRepository(session).org(org_id)
    assert org is not None
    root = await DepartmentRepository(session, org_id).root()
    return OrgRead(
        id=org.id,
        name=org.name,
        timezone=org.timezone,
        root_department_id=root.id,
        my_member_id=actor.member_id or 0,
        my_role=actor.role,  # type: ignore[arg-type]
    )


async def list_departments(session: AsyncSession, actor: Actor) -> DepartmentList:
    """The whole tree minus what 通讯录隐藏 hides from this viewer (see access.invisible_departments)."""
    org_id = org_id_of(actor)
    repo = DepartmentRepository(session, org_id)
    departments = await repo.all()
    tree = DepartmentTree.build((d.id, d.parent_id, d.hidden) for d in departments)
    invisible = await invisible_departments(session, actor, tree)
    managers: dict[int, list[int]] = {}
    for row in await repo.managers():
        managers.setdefault(row.department_id, []).append(row.member_id)
    return DepartmentList(
        items=[
            DepartmentRead(
                id=d.id,
                parent_id=d.parent_id,
                name=d.name,
                sort_order=d.sort_order,
                hidden=d.hidden,
                manager_ids=managers.get(d.id, []),
            )
            for d in departments
            if d.id not in invisible
        ]
    )


async def member_cards(session: AsyncSession, org_id: int, member_ids: list[int] | set[int]) -> dict[int, MemberCard]:
    """Name, account and activity of members, for other domains (chat bubbles, event audiences).

    - No visibility filtering: callers show names only of people who already share a
      conversation (or a DING) with the viewer, which 通讯录隐藏 does not hide.
    """
    if not member_ids:
        return {}
    return _cards(await session.execute(_member_cards_stmt(org_id, member_ids)))


def member_cards_now(db: Connection | Session, org_id: int, member_ids: list[int] | set[int]) -> dict[int, MemberCard]:
    """member_cards for synchronous code running inside SQLAlchemy's greenlet (run_sync or
    storage.db.run_single_read): the same statement and answer."""
    if not member_ids:
        return {}
    return _cards(db.execute(_member_cards_stmt(org_id, member_ids)))


def _member_cards_stmt(org_id: int, member_ids: list[int] | set[int]) -> Select[Any]:
    return select(Member.id, Member.name, Member.account_id, Member.active).where(
        Member.org_id == org_id, Member.id.in_(list(member_ids))
    )


def _cards(rows: Any) -> dict[int, MemberCard]:
    return {row.id: MemberCard(row.id, row.name, row.account_id, row.active) for row in rows}


async def member_names_by_id(
    session: AsyncSession, org_id: int, member_ids: Select[tuple[int]]
) -> list[tuple[int, str]]:
    """(id, name) of the members `member_ids` selects (a subquery, which may carry its own
    ORDER BY / LIMIT, so a page of 100 out of 10,000 is cut before any name is looked up),
    in id order, in one statement; "" for an id with no member. Same visibility as
    member_cards: none (the names are of people who share a conversation with the viewer)."""
    page = member_ids.subquery()
    member_id = page.c[0]
    # A correlated lookup per id of the page (by primary key), not a join the planner may
    # turn into a hash of the whole org's directory (PostgreSQL did, at 10,000 members).
    name = select(Member.name).where(Member.org_id == org_id, Member.id == member_id).scalar_subquery()
    stmt = select(member_id, name).select_from(page).order_by(member_id)
    return [(m, n or "") for m, n in await session.execute(stmt)]


def active_accounts_stmt(member_ids: Select[tuple[int]]) -> Select[tuple[int]]:
    """Accounts of the active members among `member_ids` (a subquery, so 10,000 ids stay in
    SQL), in the org bound as "org_id": the caller builds it once (chat's audience of every
    message) and executes it with its own parameters."""
    member = Member.__table__.c  # plain columns: a Core statement, no ORM compile state
    return select(member.account_id).where(
        member.org_id == bindparam("org_id"),
        member.id.in_(member_ids),
        member.active.is_(True),
        member.account_id.is_not(None),
    )


async def get_department(session: AsyncSession, actor: Actor, department_id: int) -> DepartmentRead:
    department = await access_department_by_id(session, actor, department_id)
    managers = await DepartmentRepository(session, org_id_of(actor)).managers([department_id])
    return DepartmentRead(
        id=department.id,
        parent_id=department.parent_id,
        name=department.name,
        sort_order=department.sort_order,
        hidden=department.hidden,
        manager_ids=[m.member_id for m in managers],
    )


# The columns a MemberRead shows; listings select just these as plain rows (no ORM objects).
_READ_COLUMNS = (
    Member.id, Member.name, Member.phone, Member.email, Member.job_title, Member.employee_no,
    Member.manager_id, Member.hire_date, Member.role, Member.active, Member.hide_phone, Member.account_id,
)


def _member_read(
    actor: Actor, member: Member, department_ids: list[int], tree: DepartmentTree, invisible: set[int]
) -> MemberRead:
    # Built without re-validation: every value comes from a typed column.
    return MemberRead.model_construct(
        id=member.id,
        name=member.name,
        phone=member.phone if phone_visible(actor, member, tree, department_ids) else None,
        email=member.email,
        job_title=member.job_title,
        employee_no=member.employee_no,
        # A viewer learns nothing of departments hidden from them, even on a visible member.
        department_ids=[d for d in department_ids if d not in invisible],
        manager_id=member.manager_id,
        hire_date=member.hire_date,
        role=member.role,  # type: ignore[arg-type]
        active=member.active,
        hide_phone=member.hide_phone,
        has_account=member.account_id is not None,
    )


async def get_member(session: AsyncSession, actor: Actor, member_id: int) -> MemberRead:
    org_id = org_id_of(actor)
    # Owners and admins (and apps, which read as admins) see every department and phone, so
    # the tree is not needed: one query less on the open platform's hottest path (/user/get).
    tree = DepartmentTree.build([]) if actor.is_admin else await load_tree(session, org_id)
    invisible = set() if actor.is_admin else await invisible_departments(session, actor, tree)
    member = await access_member_by_id(session, actor, member_id, tree=tree, invisible=invisible)
    repo = MemberRepository(session, org_id)
    department_ids = (await repo.department_ids([member.id]))[member.id]
    read = _member_read(actor, member, department_ids, tree, invisible)
    if member.role == "subadmin" and actor.is_any_admin:
        read.scope_department_ids = await repo.scope_department_ids(member.id)
    return read


def member_as_admin(db: Connection | Session, actor: Actor, member_id: int) -> MemberRead:
    """`get_member` for a viewer who sees the whole directory (an owner or admin, or an app,
    which reads as an admin), in one statement: the open platform's hottest read (/user/get).
    The same answer as `get_member` for such a viewer (every department and phone visible, a
    deactivated member found), except that a sub-admin's `scope_department_ids` are not
    loaded. Anyone else goes through `get_member`.

    Synchronous on purpose (repository.member_profile_rows says why): call it inside
    `storage.db.run_single_read`, or with `await session.run_sync(member_as_admin, actor, id)`.
    """
    if not actor.is_admin:
        raise ValueError("member_as_admin is for owners, admins and apps; use get_member")
    rows = member_profile_rows(db, org_id_of(actor), member_id)
    if not rows:
        raise MemberNotFound()
    m = rows[0]
    return MemberRead.model_construct(
        id=m.id,
        name=m.name,
        phone=m.phone,
        email=m.email,
        job_title=m.job_title,
        employee_no=m.employee_no,
        department_ids=[r.department_id for r in rows if r.department_id is not None],
        manager_id=m.manager_id,
        hire_date=m.hire_date,
        role=m.role,
        active=m.active,
        hide_phone=m.hide_phone,
        has_account=m.account_id is not None,
    )


def root_department_id(db: Connection | Session, actor: Actor) -> int:
    """The id of the organization's root department (the organization itself), which never
    changes; one statement, synchronous like `member_as_admin`."""
    return org_root_id(db, org_id_of(actor))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_members(
    session: AsyncSession,
    actor: Actor,
    *,
    department_id: int | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> MemberPage:
    """Members the viewer may see, in pinyin order; filtered by department and/or a search.

    - Members whose every department is hidden from the viewer are left out, also from search.
    - Deactivated members are listed only for administrators who ask for them.
    - A search matches name, full pinyin, pinyin initials, employee no. and phone. A phone
      number matches only where the viewer may see it (otherwise a search would confirm
      who owns a hidden number); for sub-admins that means unhidden numbers only.
    - A hidden department's own member list is as invisible as the department.
    - A search returns at most SEARCH_CAP matches (`truncated` says when there were more).
    """
    org_id = org_id_of(actor)
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    tree = await load_tree(session, org_id)
    invisible = await invisible_departments(session, actor, tree)
    # One narrow scan finds the matching (sort key, id) pairs, whose number is the total; a
    # second query loads just the page by primary key. The pairs are sorted here, not in SQL:
    # an ORDER BY lets SQLite walk the sort index over the whole organization instead of
    # starting from the department or the search (measured 2.5 ms → 0.1 ms for a department,
    # 7.9 ms → 2.8 ms for a search on 10,000 members), and it orders by code point on every
    # database alike.
    stmt = select(Member.sort_key, Member.id).where(Member.org_id == org_id)
    if not (include_inactive and actor.is_any_admin):
        stmt = stmt.where(Member.active.is_(True))
    if department_id is not None:
        if department_id in invisible or department_id not in tree:
            return MemberPage(items=[], total=0, next_offset=None)
        # Driven by the department's index rather than probed once per member of the org.
        stmt = stmt.where(
            Member.id.in_(
                select(MemberDepartment.member_id).where(
                    MemberDepartment.org_id == org_id, MemberDepartment.department_id == department_id
                )
            )
        )
    if invisible:
        stmt = stmt.where(
            or_(
                Member.id == actor.member_id,
                exists().where(
                    MemberDepartment.member_id == Member.id,
                    MemberDepartment.org_id == org_id,
                    MemberDepartment.department_id.not_in(invisible),
                ),
            )
        )
    q = (q or "").replace("\x00", "")  # PostgreSQL refuses NUL in text, and no name holds one
    truncated = False
    if q.strip():
        # A search that matches most of the org ("139") stops after SEARCH_CAP matches
        # instead of reading and sorting everyone; the page says it was cut short.
        stmt = stmt.where(
            _search_condition(actor, q.strip().lower(), dialect=session.bind.dialect.name)
        ).limit(SEARCH_CAP + 1)
    rows = (await session.execute(stmt)).all()
    if len(rows) > SEARCH_CAP and q.strip():
        rows, truncated = rows[:SEARCH_CAP], True
    ids = [member_id for _, member_id in sorted(tuple(row) for row in rows)]
    total = len(ids)
    page_ids = ids[offset : offset + limit]
    loaded = await session.execute(select(*_READ_COLUMNS).where(Member.org_id == org_id, Member.id.in_(page_ids)))
    by_id = {row.id: row for row in loaded}
    page = [by_id[i] for i in page_ids if i in by_id]
    departments = await MemberRepository(session, org_id).department_ids([m.id for m in page])
    items = [_member_read(actor, m, departments[m.id], tree, invisible) for m in page]
    next_offset = offset + limit if offset + limit < total else None
    return MemberPage(items=items, total=total, next_offset=next_offset, truncated=truncated)


def _search_condition(actor: Actor, text: str, *, dialect: str):  # type: ignore[no-untyped-def]
    """Digits look for phone numbers and employee numbers; anything else for names, their
    pinyin and initials, and employee numbers (fewer LIKE scans per query).

    `text` is lower case. Matching ignores case on both databases: SQLite's LIKE already
    folds ASCII (and its lower() folds nothing more, at four times the cost per row), while
    PostgreSQL gets ILIKE. Pinyin is stored lower case."""
    contains = f"%{_escape_like(text)}%"

    def like(column):  # type: ignore[no-untyped-def]
        if dialect == "sqlite":
            return column.like(contains, escape="\\")
        return column.ilike(contains, escape="\\")

    employee_no = like(Member.employee_no)
    if text.lstrip("+").isdigit():
        phone = Member.phone.like(contains, escape="\\")
        if not actor.is_admin:
            phone = phone & (Member.hide_phone.is_(False) | (Member.id == actor.member_id))
        return or_(phone, employee_no)
    return or_(Member.pinyin.like(contains, escape="\\"), like(Member.name), employee_no)


async def list_invitations(session: AsyncSession, actor: Actor, *, base_url: str) -> list[InvitationRead]:
    require_admin(actor)
    stmt = (
        select(Invitation)
        .where(Invitation.org_id == org_id_of(actor), Invitation.revoked.is_(False))
        .order_by(Invitation.id.desc())
        .limit(200)
    )
    return [invitation_read(i, base_url) for i in (await session.execute(stmt)).scalars()]


async def get_invitation(session: AsyncSession, actor: Actor, invitation_id: int, *, base_url: str) -> InvitationRead:
    """Org-wide links: owners and admins. Department links: also sub-admins of that department."""
    org_id = org_id_of(actor)
    invitation = await session.get(Invitation, invitation_id)
    if invitation is None or invitation.org_id != org_id or invitation.revoked:
        raise NotFound("No such invitation", code="invitation_invalid")
    if invitation.department_id is None:
        require_admin(actor)
    else:
        require_department_admin(actor, await load_tree(session, org_id), invitation.department_id)
    return invitation_read(invitation, base_url)


def invitation_read(invitation: Invitation, base_url: str) -> InvitationRead:
    return InvitationRead(
        id=invitation.id,
        token=invitation.token,
        url=f"{base_url.rstrip('/')}/#/join/{invitation.token}",
        department_id=invitation.department_id,
        expires_at=invitation.expires_at,
        requires_approval=invitation.requires_approval,
        revoked=invitation.revoked,
    )


async def list_join_requests(session: AsyncSession, actor: Actor) -> list[JoinRequestRead]:
    """Pending requests; owners and admins see all, sub-admins those for their departments."""
    org_id = org_id_of(actor)
    if not actor.is_any_admin:
        require_admin(actor)
    tree = await load_tree(session, org_id)
    stmt = (
        select(JoinRequest, Invitation.department_id)
        .join(Invitation, Invitation.id == JoinRequest.invitation_id)
        .where(JoinRequest.org_id == org_id, JoinRequest.status == "pending")
        .order_by(JoinRequest.id)
    )
    out = []
    for request, department_id in (await session.execute(stmt)).all():
        if not actor.is_admin and (
            department_id is None or not tree.within(department_id, actor.scope_department_ids)
        ):
            continue
        out.append(join_request_read(request, department_id))
    return out


def join_request_read(request: JoinRequest, department_id: int | None) -> JoinRequestRead:
    return JoinRequestRead(
        id=request.id,
        account_id=request.account_id,
        name=request.name,
        status=request.status,
        created_at=request.created_at,
        department_id=department_id,
    )


async def get_public_invitation(session: AsyncSession, token: str) -> InvitationPublicRead:
    """What someone holding the link may learn before joining: the org's name and the department's."""
    invitation = await AccountRepository(session).invitation_by_token(token)
    if invitation is None or invitation.revoked or invitation.expires_at <= utc_now():
        raise NotFound("This invitation link is not valid or has expired", code="invitation_invalid")
    org = await AccountRepository(session).org(invitation.org_id)
    assert org is not None
    return InvitationPublicRead(
        org_name=org.name,
        department_name=await department_name(session, invitation.org_id, invitation.department_id),
        requires_approval=invitation.requires_approval,
        expires_at=invitation.expires_at,
    )


async def list_audit(session: AsyncSession, actor: Actor, *, before_id: int | None, limit: int) -> AuditPage:
    require_admin(actor)
    limit = max(1, min(limit, MAX_PAGE))
    entries = await AuditRepository(session, org_id_of(actor)).page(before_id=before_id, limit=limit)
    return AuditPage(
        items=[
            AuditRead(
                id=e.id,
                actor_member_id=e.actor_member_id,
                actor_name=e.actor_name,
                action=e.action,
                target_type=e.target_type,
                target_id=e.target_id,
                target_name=e.target_name,
                detail=e.detail,
                created_at=e.created_at,
            )
            for e in entries
        ],
        next_before_id=entries[-1].id if len(entries) == limit else None,
    )


async def export_rows(session: AsyncSession, actor: Actor) -> list[list[str]]:
    """The directory as import-compatible rows (owners and admins; every member, phones included)."""
    require_admin(actor)
    org_id = org_id_of(actor)
    departments = {d.id: d for d in await DepartmentRepository(session, org_id).all()}

    def path(department_id: int) -> str:
        """'研发部/后端组', from below the root: the file then imports into any organization
        (the root itself is the empty path)."""
        names = []
        current: int | None = department_id
        while current is not None and current in departments and departments[current].parent_id is not None:
            names.append(departments[current].name)
            current = departments[current].parent_id
        return "/".join(reversed(names))

    members = list(
        (
            await session.execute(
                select(Member).where(Member.org_id == org_id, Member.active.is_(True)).order_by(Member.sort_key)
            )
        ).scalars()
    )
    by_id = {m.id: m for m in members}
    dept_ids = await MemberRepository(session, org_id).department_ids(list(by_id))
    rows = []
    for m in members:
        manager = by_id.get(m.manager_id) if m.manager_id else None
        rows.append(
            [
                m.name,
                m.phone or "",
                m.email or "",
                m.job_title or "",
                m.employee_no or "",
                ";".join(sorted(p for p in (path(d) for d in dept_ids[m.id]) if p)),
                (manager.phone or manager.employee_no or manager.email or "") if manager else "",
                m.hire_date.isoformat() if m.hire_date else "",
            ]
        )
    return rows


async def department_name(session: AsyncSession, org_id: int, department_id: int | None) -> str | None:
    if department_id is None:
        return None
    department = await session.get(Department, department_id)
    return department.name if department and department.org_id == org_id else None


# --- contacts for other domains (DING) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberContact:
    id: int
    name: str
    account_id: int | None
    phone: str | None
    active: bool


async def member_contacts(session: AsyncSession, org_id: int, member_ids: list[int] | set[int]) -> dict[int, MemberContact]:
    """Name, account and phone of members of one organization (for notifications: the phone
    is for an SMS / call provider, never shown). Unknown ids and other orgs' ids are absent."""
    ids = list(set(member_ids))
    out: dict[int, MemberContact] = {}
    for start in range(0, len(ids), 5000):  # keep under the drivers' bound-parameter limits
        stmt = select(Member.id, Member.name, Member.account_id, Member.phone, Member.active).where(
            Member.org_id == org_id, Member.id.in_(ids[start : start + 5000])
        )
        for row in await session.execute(stmt):
            out[row.id] = MemberContact(row.id, row.name, row.account_id, row.phone, row.active)
    return out


async def visible_member_contacts(session: AsyncSession, actor: Actor, member_ids: list[int] | set[int]) -> dict[int, MemberContact]:
    """The active members among `member_ids` whom the actor may see (通讯录隐藏 applies), in
    a fixed number of queries whatever the count; the rest are simply absent."""
    org_id = org_id_of(actor)
    found = {i: c for i, c in (await member_contacts(session, org_id, member_ids)).items() if c.active}
    tree = await load_tree(session, org_id)
    invisible = await invisible_departments(session, actor, tree)
    if not invisible or not found:
        return found
    departments = await MemberRepository(session, org_id).department_ids(list(found))
    return {
        i: c
        for i, c in found.items()
        if i == actor.member_id or not departments[i] or any(d not in invisible for d in departments[i])
    }


def active_member_ids_stmt(org_id: int, department_ids: set[int] | list[int] | None = None) -> Select[tuple[int]]:
    """Ids of the organization's active members, or of those in any of the given departments:
    a statement, not a list, so other domains can diff 10,000 members in SQL (chat's
    department and all-staff groups). Members without an account are included."""
    stmt = select(Member.id).where(Member.org_id == org_id, Member.active.is_(True))
    if department_ids is not None:
        stmt = stmt.where(
            exists().where(
                MemberDepartment.org_id == org_id,
                MemberDepartment.member_id == Member.id,
                MemberDepartment.department_id.in_(sorted(department_ids)),
            )
        )
    return stmt


# --- for attendance -------------------------------------------------------------------------


async def org_timezone(session: AsyncSession, org_id: int) -> str:
    """The organization's IANA time zone name (attendance reads every wall-clock time in it)."""
    org = await AccountRepository(session).org(org_id)
    if org is None:
        raise NotFound("No such organization", code="org_not_found")
    return org.timezone


async def member_departments(session: AsyncSession, org_id: int, member_ids: list[int] | None = None) -> dict[int, list[int]]:
    """Department ids of the organization's active members (all of them when `member_ids` is
    None): one query, so attendance can resolve 10,000 members' groups at once."""
    stmt = (
        select(Member.id, MemberDepartment.department_id)
        .join(MemberDepartment, (MemberDepartment.member_id == Member.id) & (MemberDepartment.org_id == org_id), isouter=True)
        .where(Member.org_id == org_id, Member.active.is_(True))
    )
    if member_ids is not None:
        stmt = stmt.where(Member.id.in_(member_ids))
    out: dict[int, list[int]] = {}
    for member_id, department_id in (await session.execute(stmt)).all():
        departments = out.setdefault(member_id, [])
        if department_id is not None:
            departments.append(department_id)
    return out


async def managed_department_ids(session: AsyncSession, org_id: int, member_id: int) -> list[int]:
    """Departments the member manages (部门主管); their sub-departments are theirs too."""
    return [m.department_id for m in await DepartmentRepository(session, org_id).managers() if m.member_id == member_id]


async def member_names(session: AsyncSession, org_id: int, member_ids: list[int] | None = None) -> dict[int, str]:
    stmt = select(Member.id, Member.name).where(Member.org_id == org_id)
    if member_ids is not None:
        stmt = stmt.where(Member.id.in_(member_ids))
    return {i: n for i, n in (await session.execute(stmt)).all()}


async def department_names(session: AsyncSession, org_id: int) -> dict[int, str]:
    stmt = select(Department.id, Department.name).where(Department.org_id == org_id)
    return {i: n for i, n in (await session.execute(stmt)).all()}


async def member_ids_by_employee_no(session: AsyncSession, org_id: int, employee_nos: list[str]) -> dict[str, int]:
    """工号 → member id (clock-in machines know people by their employee number)."""
    if not employee_nos:
        return {}
    stmt = select(Member.employee_no, Member.id).where(Member.org_id == org_id, Member.employee_no.in_(sorted(set(employee_nos))))
    return {no: i for no, i in (await session.execute(stmt)).all() if no is not None}


async def active_member_ids_by_phone(session: AsyncSession, org_id: int, phones: list[str]) -> dict[str, int]:
    """Active members of one organization by mobile number, for robots' @mobile mentions
    (DingTalk's atMobiles). Numbers match as stored; unknown numbers are absent."""
    wanted = sorted({p for p in phones if p})[:100]
    if not wanted:
        return {}
    stmt = select(Member.phone, Member.id).where(
        Member.org_id == org_id, Member.phone.in_(wanted), Member.active.is_(True)
    )
    return {phone: member_id for phone, member_id in await session.execute(stmt)}
# --- the org chart for approval flows -------------------------------------------------------


async def manager_chain(session: AsyncSession, org_id: int, member_id: int, levels: int) -> list[int]:
    """The member's direct managers (汇报线) upward, nearest first, at most `levels` long;
    stops at a missing or inactive manager and at a loop."""
    chain: list[int] = []
    current = member_id
    while len(chain) < levels:
        row = (
            await session.execute(select(Member.manager_id).where(Member.org_id == org_id, Member.id == current))
        ).first()
        nxt = row[0] if row else None
        if nxt is None or nxt in chain or nxt == member_id:
            break
        active = (await session.execute(select(Member.active).where(Member.org_id == org_id, Member.id == nxt))).scalar()
        if not active:
            break
        chain.append(nxt)
        current = nxt
    return chain


async def department_manager_levels(session: AsyncSession, org_id: int, member_id: int) -> list[list[int]]:
    """Active managers of the member's main department and of each department above it,
    nearest first, one list per level (empty where a department has no manager).

    - The main department is the member's department with the lowest id (the directory has
      no 主部门 flag yet).
    """
    mine = (await MemberRepository(session, org_id).department_ids([member_id])).get(member_id, [])
    if not mine:
        return []
    tree = await load_tree(session, org_id)
    chain = [min(mine), *tree.ancestors(min(mine))]
    stmt = (
        select(DepartmentManager.department_id, DepartmentManager.member_id)
        .join(Member, Member.id == DepartmentManager.member_id)
        .where(DepartmentManager.org_id == org_id, DepartmentManager.department_id.in_(chain), Member.active.is_(True))
    )
    managers: dict[int, list[int]] = {}
    for dept_id, manager_id in await session.execute(stmt):
        managers.setdefault(dept_id, []).append(manager_id)
    return [sorted(managers.get(d, [])) for d in chain]


async def admin_member_ids(session: AsyncSession, org_id: int) -> list[int]:
    """Active owners and admins of the organization."""
    stmt = select(Member.id).where(Member.org_id == org_id, Member.active.is_(True), Member.role.in_(("owner", "admin")))
    return sorted(m for (m,) in await session.execute(stmt))


async def member_department_ids(session: AsyncSession, org_id: int, member_ids: list[int]) -> dict[int, list[int]]:
    return await MemberRepository(session, org_id).department_ids(member_ids)


async def existing_department_ids(session: AsyncSession, org_id: int, department_ids: list[int] | set[int]) -> set[int]:
    if not department_ids:
        return set()
    stmt = select(Department.id).where(Department.org_id == org_id, Department.id.in_(list(department_ids)))
    return {d for (d,) in await session.execute(stmt)}


async def department_subtree_ids(session: AsyncSession, org_id: int, department_ids: list[int]) -> set[int]:
    tree = await load_tree(session, org_id)
    out: set[int] = set()
    for d in department_ids:
        if d in tree:
            out |= tree.subtree(d)
    return out
