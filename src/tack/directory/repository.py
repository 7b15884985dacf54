"""Statements on the directory's own tables; org-owned ones always start from OrgRepository.base()."""


import re

from sqlalchemy import Connection, Row, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from tack.directory.models import (
    Account,
    AdminScope,
    AuditEntry,
    AuthSession,
    Department,
    DepartmentManager,
    Invitation,
    JoinRequest,
    LoginThrottle,
    Member,
    MemberDepartment,
    Org,
)
from tack.storage.repository import OrgRepository

INVITATION_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


# Built once: every socket batch and every fast-path request checks its sessions with it, and
# building the statement (and its cache key) cost more CPU than running it.
# Plain table columns, so the session runs it as Core (no ORM compile state or result).
_S, _MB = AuthSession.__table__.c, Member.__table__.c
_SESSION_JOIN = (
    select(_S.token_hash, _S.account_id, _S.expires_at, _MB.id, _MB.role, _MB.active)
    .select_from(
        AuthSession.__table__.outerjoin(Member.__table__, (_MB.account_id == _S.account_id) & (_MB.org_id == bindparam("org_id")))
    )
)
_SESSIONS_IN_ORG = _SESSION_JOIN.where(_S.token_hash.in_(bindparam("hashes", expanding=True)))
# One token (a request, or a socket batch from one socket: the usual case below a few hundred
# messages a second) without the expanding IN, which SQLAlchemy renders again at every
# execution: ~30 % of this read's CPU.
_SESSION_IN_ORG = _SESSION_JOIN.where(_S.token_hash == bindparam("hash"))


_SCOPE_OF = select(AdminScope.__table__.c.department_id).where(
    AdminScope.__table__.c.org_id == bindparam("org_id"), AdminScope.__table__.c.member_id == bindparam("member_id")
)


def session_rows_now(connection: Connection, org_id: int, token_hashes: list[str]) -> list[tuple[str, int, object, int | None, str | None, bool | None]]:
    """(token hash, account, expires at, member id, role, active) of each known session, the
    membership in `org_id` joined (None when the account is not a member there): one read for
    a whole batch of requests, on a synchronous connection (one hop into SQLAlchemy's greenlet)."""
    if len(token_hashes) == 1:
        rows = connection.execute(_SESSION_IN_ORG, {"org_id": org_id, "hash": token_hashes[0]})
    else:
        rows = connection.execute(_SESSIONS_IN_ORG, {"org_id": org_id, "hashes": token_hashes})
    return [tuple(r) for r in rows.all()]  # type: ignore[misc]


def scope_department_ids_now(connection: Connection, org_id: int, member_id: int) -> list[int]:
    """The departments a sub-admin administers (the roots of their scope), on a synchronous
    connection; MemberRepository.scope_department_ids runs the same read from a session."""
    return list(connection.execute(_SCOPE_OF, {"org_id": org_id, "member_id": member_id}).scalars())


class AccountRepository:
    """Accounts and sessions are global (one person, many organizations)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: int) -> Account | None:
        return await self.session.get(Account, account_id)

    async def by_login(self, login: str) -> Account | None:
        stmt = select(Account).where(or_(Account.phone == login, Account.email == login.lower()))
        return (await self.session.execute(stmt)).scalars().first()

    async def by_phone_or_email(self, phone: str | None, email: str | None) -> list[Account]:
        conds = []
        if phone:
            conds.append(Account.phone == phone)
        if email:
            conds.append(Account.email == email)
        if not conds:
            return []
        return list((await self.session.execute(select(Account).where(or_(*conds)))).scalars())

    async def session_by_hash(self, token_hash: str) -> AuthSession | None:
        stmt = select(AuthSession).where(AuthSession.token_hash == token_hash)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def delete_session(self, token_hash: str) -> None:
        await self.session.execute(delete(AuthSession).where(AuthSession.token_hash == token_hash))

    async def delete_sessions(self, account_id: int, *, keep_hash: str | None = None) -> None:
        stmt = delete(AuthSession).where(AuthSession.account_id == account_id)
        if keep_hash:
            stmt = stmt.where(AuthSession.token_hash != keep_hash)
        await self.session.execute(stmt)

    async def throttle(self, key: str) -> LoginThrottle | None:
        return await self.session.get(LoginThrottle, key)

    async def clear_throttle(self, keys: list[str]) -> None:
        await self.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))

    async def memberships(self, account_id: int) -> list[tuple[Member, Org]]:
        stmt = (
            select(Member, Org)
            .join(Org, Org.id == Member.org_id)
            .where(Member.account_id == account_id, Member.active.is_(True))
            .order_by(Org.id)
        )
        return [(m, o) for m, o in (await self.session.execute(stmt)).all()]

    async def member_for(self, account_id: int, org_id: int) -> Member | None:
        stmt = select(Member).where(Member.account_id == account_id, Member.org_id == org_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def org(self, org_id: int) -> Org | None:
        return await self.session.get(Org, org_id)

    async def invitation_by_token(self, token: str) -> Invitation | None:
        if not INVITATION_TOKEN.fullmatch(token):  # tokens are url-safe base64, see new_token
            return None
        stmt = select(Invitation).where(Invitation.token == token)
        return (await self.session.execute(stmt)).scalar_one_or_none()


class DepartmentRepository(OrgRepository[Department]):
    model = Department

    async def all(self) -> list[Department]:
        return await self.scalars(self.base().order_by(Department.sort_order, Department.id))

    async def root(self) -> Department:
        stmt = self.base().where(Department.parent_id.is_(None))
        return (await self.session.execute(stmt)).scalar_one()

    async def child_count(self, department_id: int) -> int:
        stmt = select(func.count()).select_from(Department).where(
            Department.org_id == self.org_id, Department.parent_id == department_id
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def managers(self, department_ids: list[int] | None = None) -> list[DepartmentManager]:
        stmt = select(DepartmentManager).where(DepartmentManager.org_id == self.org_id)
        if department_ids is not None:
            stmt = stmt.where(DepartmentManager.department_id.in_(department_ids))
        return await self.scalars(stmt)

    async def set_managers(self, department_id: int, member_ids: list[int]) -> None:
        await self.session.execute(
            delete(DepartmentManager).where(
                DepartmentManager.org_id == self.org_id, DepartmentManager.department_id == department_id
            )
        )
        for member_id in member_ids:
            self.session.add(
                DepartmentManager(org_id=self.org_id, department_id=department_id, member_id=member_id)
            )
        # Sessions do not autoflush: later reads in the same request must see the new rows.
        await self.session.flush()

    async def delete(self, department: Department) -> None:
        await self.session.delete(department)


# One member's profile with the ids of their departments, one row per department (one row
# with department_id NULL when they have none), in one statement. Built once: a statement
# object keeps its cache key, so each run skips rebuilding it (the open platform's /user/get).
_PROFILE = (
    select(
        Member.id, Member.name, Member.phone, Member.email, Member.job_title, Member.employee_no,
        Member.manager_id, Member.hire_date, Member.role, Member.active, Member.hide_phone, Member.account_id,
        MemberDepartment.department_id,
    )
    .outerjoin(
        MemberDepartment,
        (MemberDepartment.member_id == Member.id) & (MemberDepartment.org_id == Member.org_id),
    )
    .where(Member.org_id == bindparam("org_id"), Member.id == bindparam("member_id"))
    .order_by(MemberDepartment.department_id)
)


def member_profile_rows(db: Connection | Session, org_id: int, member_id: int) -> list[Row]:  # type: ignore[type-arg]
    """The rows of `_PROFILE` for one member of one organization (empty: no such member).

    Synchronous on purpose: a hot read runs it inside `storage.db.run_single_read` (one hop
    into SQLAlchemy's greenlet for checkout, statement and return, on a bare connection), and
    a request holding an AsyncSession through `session.run_sync`."""
    return list(db.execute(_PROFILE, {"org_id": org_id, "member_id": member_id}).all())


_ROOT = select(Department.id).where(Department.org_id == bindparam("org_id"), Department.parent_id.is_(None))


def org_root_id(db: Connection | Session, org_id: int) -> int:
    """The organization's root department id (it has no parent). Synchronous, like
    `member_profile_rows`: see there."""
    return int(db.execute(_ROOT, {"org_id": org_id}).scalar_one())


class MemberRepository(OrgRepository[Member]):
    model = Member

    async def by_field(self, field: str, value: str) -> Member | None:
        stmt = self.base().where(getattr(Member, field) == value)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def existing_values(self, field: str, values: list[str]) -> set[str]:
        column = getattr(Member, field)
        found: set[str] = set()
        for i in range(0, len(values), 500):
            chunk = values[i : i + 500]
            stmt = select(column).where(Member.org_id == self.org_id, column.in_(chunk))
            found.update(v for v in (await self.session.execute(stmt)).scalars() if v)
        return found

    async def department_ids(self, member_ids: list[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {mid: [] for mid in member_ids}
        if not member_ids:
            return out
        stmt = select(MemberDepartment.member_id, MemberDepartment.department_id).where(
            MemberDepartment.org_id == self.org_id, MemberDepartment.member_id.in_(member_ids)
        ).order_by(MemberDepartment.member_id, MemberDepartment.department_id)
        for member_id, department_id in (await self.session.execute(stmt)).all():
            out[member_id].append(department_id)
        return out

    async def set_departments(self, member_id: int, department_ids: list[int]) -> None:
        await self.session.execute(
            delete(MemberDepartment).where(
                MemberDepartment.org_id == self.org_id, MemberDepartment.member_id == member_id
            )
        )
        for department_id in dict.fromkeys(department_ids):
            self.session.add(
                MemberDepartment(org_id=self.org_id, member_id=member_id, department_id=department_id)
            )
        await self.session.flush()

    async def count_in_department(self, department_id: int) -> int:
        stmt = select(func.count()).select_from(MemberDepartment).where(
            MemberDepartment.org_id == self.org_id, MemberDepartment.department_id == department_id
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def scope_department_ids(self, member_id: int) -> list[int]:
        connection = await self.session.connection()
        return await connection.run_sync(scope_department_ids_now, self.org_id, member_id)

    async def set_scope(self, member_id: int, department_ids: list[int]) -> None:
        await self.session.execute(
            delete(AdminScope).where(AdminScope.org_id == self.org_id, AdminScope.member_id == member_id)
        )
        for department_id in dict.fromkeys(department_ids):
            self.session.add(AdminScope(org_id=self.org_id, member_id=member_id, department_id=department_id))
        await self.session.flush()

    async def count_owners(self) -> int:
        stmt = select(func.count()).select_from(Member).where(
            Member.org_id == self.org_id, Member.role == "owner", Member.active.is_(True)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def clear_manager(self, manager_id: int) -> None:
        await self.session.execute(
            update(Member)
            .where(Member.org_id == self.org_id, Member.manager_id == manager_id)
            .values(manager_id=None)
        )


class InvitationRepository(OrgRepository[Invitation]):
    model = Invitation


class JoinRequestRepository(OrgRepository[JoinRequest]):
    model = JoinRequest

    async def pending_for(self, account_id: int) -> JoinRequest | None:
        stmt = self.base().where(JoinRequest.account_id == account_id, JoinRequest.status == "pending")
        return (await self.session.execute(stmt)).scalars().first()


class AuditRepository(OrgRepository[AuditEntry]):
    model = AuditEntry

    async def page(self, *, before_id: int | None, limit: int) -> list[AuditEntry]:
        stmt = self.base().order_by(AuditEntry.id.desc()).limit(limit)
        if before_id:
            stmt = stmt.where(AuditEntry.id < before_id)
        return await self.scalars(stmt)


