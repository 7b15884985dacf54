"""What the CLI does, as functions over a unit-of-work factory; the operator acts as the system."""

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from tack.core.actor import Actor
from tack.core.errors import BadRequest, NotFound
from tack.directory.actions.departments import check_create_department
from tack.directory.actions.imports import check_import_members
from tack.directory.actions.members import check_add_member, check_set_role, do_link_account
from tack.directory.actions.orgs import check_timezone, do_create_org
from tack.directory.importer import SheetRow
from tack.directory.passwords import generate_password, hash_password
from tack.directory.repository import AccountRepository, DepartmentRepository, MemberRepository
from tack.directory.schemas import DepartmentCreate, MemberCreate, RoleUpdate
from tack.openapi_compat.apps.actions import check_create_app
from tack.openapi_compat.apps.repository import AppRepository
from tack.openapi_compat.apps.schemas import AppCreate
from tack.openapi_compat.apps.scopes import SCOPES
from tack.openapi_compat.robots.actions import check_create_robot_as_operator
from tack.openapi_compat.robots.demo import ensure_demo_robot
from tack.openapi_compat.robots.reads import robot_read
from tack.openapi_compat.robots.schemas import RobotCreate

DEMO_ORG = "示例科技"
DEMO_PASSWORD = "tack-demo-2026"


def system_actor(org_id: int) -> Actor:
    """The operator at the console: owner powers, recorded in the audit log as "system"."""
    return Actor(account_id=0, org_id=org_id, member_id=None, role="owner")


async def create_org(
    uow_factory: Any, *, name: str, owner_name: str, owner_phone: str | None, owner_email: str | None,
    owner_password: str | None, timezone: str,
) -> dict[str, Any]:
    if not owner_phone and not owner_email:
        raise BadRequest("Give the owner's phone or e-mail", code="contact_required")
    body = MemberCreate(name=owner_name, phone=owner_phone, email=owner_email)  # validates the contact
    async with uow_factory() as uow:
        account, created = await do_link_account(uow, name=body.name, phone=body.phone, email=body.email, password=None)
        password = None
        if created or account.password_hash is None:
            password = owner_password or generate_password()
            account.password_hash = await hash_password(password)
        org, owner = await do_create_org(uow, account, name=name, timezone=check_timezone(timezone))
        return {
            "org_id": org.id,
            "name": org.name,
            "owner": {"member_id": owner.id, "login": body.phone or body.email, "password": password},
        }


async def add_member(uow_factory: Any, *, org_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    async with uow_factory() as uow:
        await _require_org(uow, org_id)
        added = await check_add_member(uow, system_actor(org_id), MemberCreate(**fields))
        return {
            "member_id": added.member.id,
            "org_id": org_id,
            "name": added.member.name,
            "login": added.member.phone or added.member.email,
            "initial_password": added.initial_password,
            "department_ids": added.department_ids,
        }


async def import_members(
    uow_factory: Any, *, org_id: int, rows: list[SheetRow], progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    async with uow_factory() as uow:
        await _require_org(uow, org_id)
        report = await check_import_members(uow, system_actor(org_id), rows, progress=progress)
        return report.model_dump()


async def reset_password(uow_factory: Any, *, login: str, password: str | None) -> dict[str, Any]:
    async with uow_factory() as uow:
        repo = AccountRepository(uow.session)
        account = await repo.by_login(login)
        if account is None:
            raise NotFound("No account with that phone or e-mail", code="account_not_found")
        new_password = password or generate_password()
        account.password_hash = await hash_password(new_password)
        await repo.delete_sessions(account.id)
        return {"account_id": account.id, "login": login, "password": new_password}


async def create_app(
    uow_factory: Any, *, org_id: int, name: str, description: str, scopes: list[str] | None, ip_allowlist: list[str]
) -> dict[str, Any]:
    """An internal app with its key and secret, for scripting an integration's set-up."""
    async with uow_factory() as uow:
        await _require_org(uow, org_id)
        try:
            body = AppCreate(name=name, description=description, scopes=scopes, ip_allowlist=ip_allowlist)
        except ValidationError as exc:
            raise BadRequest(f"Invalid app: {exc.errors()[0]['msg']}", code="validation_error") from None
        created = await check_create_app(uow, system_actor(org_id), body)
        return {"org_id": org_id, **created.model_dump(mode="json")}


async def _require_org(uow: Any, org_id: int) -> None:
    if await AccountRepository(uow.session).org(org_id) is None:
        raise NotFound(f"No organization {org_id}", code="org_not_found")


# The demo: a small company with a tree two levels deep, a sub-admin and a hidden department.
DEMO_PEOPLE = [
    # name, phone, email, department, title, role
    ("张伟", "13800000001", "zhangwei@demo.tack", None, "创始人", "owner"),
    ("李娜", "13800000002", "lina@demo.tack", "人事行政部", "人事经理", "admin"),
    ("王芳", "13800000003", None, "研发部/后端组", "后端工程师", "subadmin"),
    ("刘洋", "13800000004", None, "研发部/后端组", "后端工程师", "member"),
    ("陈静", "13800000005", None, "研发部/前端组", "前端工程师", "member"),
    ("杨磊", "13800000006", None, "市场部", "市场专员", "member"),
    ("赵敏", "13800000007", None, "财务部", "会计", "member"),
    ("Alice Chen", "13800000008", "alice@demo.tack", "市场部", "Marketing Lead", "member"),
]


async def create_robot(uow_factory: Any, *, org_id: int, conversation_id: int, body: RobotCreate, base_url: str) -> dict[str, Any]:
    async with uow_factory() as uow:
        await _require_org(uow, org_id)
        robot = await check_create_robot_as_operator(uow, org_id, conversation_id, body)
        return robot_read(robot, base_url).model_dump(mode="json")


async def create_demo(uow_factory: Any, *, base_url: str = "http://127.0.0.1:8000") -> dict[str, Any]:
    """Idempotent: a second run finds the demo organization and prints the same logins."""
    async with uow_factory() as uow:
        accounts = AccountRepository(uow.session)
        owner_account = await accounts.by_login(DEMO_PEOPLE[0][1])
        org_id = None
        if owner_account is not None:
            org_id = next((o.id for _, o in await accounts.memberships(owner_account.id) if o.name == DEMO_ORG), None)
        if org_id is None:
            org_id = await _build_demo(uow)
        logins = []
        members = MemberRepository(uow.session, org_id)
        for name, phone, _email, _dept, _title, _role in DEMO_PEOPLE:
            member = await members.by_field("phone", phone)
            if member is not None:
                logins.append({"name": name, "login": phone, "role": member.role, "member_id": member.id})
        owner = next(u for u in logins if u["role"] == "owner")
        owner_actor = Actor(account_id=(await accounts.by_login(owner["login"])).id, org_id=org_id, member_id=owner["member_id"], role="owner")
        # 研发告警群 with a signed robot: its webhook URL and secret are printed.
        robot = await ensure_demo_robot(uow, owner_actor, [u["member_id"] for u in logins[2:5]], base_url=base_url)
        return {
            "org_id": org_id, "org_name": DEMO_ORG, "password": DEMO_PASSWORD, "logins": logins,
            "app": await _demo_app(uow, org_id), "robot": robot,
        }


DEMO_APP = "示例集成"


async def _demo_app(uow: Any, org_id: int) -> dict[str, Any]:
    """The demo's internal app (every scope), created once; its credentials are printed so that
    a DingTalk client can be pointed at the demo server right away."""
    app = await AppRepository(uow.session, org_id).by_name(DEMO_APP)
    if app is None:
        body = AppCreate(name=DEMO_APP, description="tack demo --json 打印其凭据", scopes=sorted(SCOPES))
        created = await check_create_app(uow, system_actor(org_id), body)
        return {"agent_id": created.agent_id, "app_key": created.app_key, "app_secret": created.app_secret, "name": DEMO_APP}
    return {"agent_id": app.id, "app_key": app.app_key, "app_secret": app.app_secret, "name": DEMO_APP}


async def _build_demo(uow: Any) -> int:
    name, phone, email, _, title, _ = DEMO_PEOPLE[0]
    account, _created = await do_link_account(uow, name=name, phone=phone, email=email, password=DEMO_PASSWORD)
    org, owner = await do_create_org(uow, account, name=DEMO_ORG, timezone="Asia/Shanghai")
    owner.job_title = title
    actor = system_actor(org.id)
    root_id = (await DepartmentRepository(uow.session, org.id).root()).id
    departments: dict[str, int] = {}

    async def department(path: str) -> int:
        parent = root_id
        walked = []
        for part in path.split("/"):
            walked.append(part)
            key = "/".join(walked)
            if key not in departments:
                created = await check_create_department(
                    uow, actor, DepartmentCreate(name=part, parent_id=parent, hidden=part == "财务部")
                )
                departments[key] = created.id
            parent = departments[key]
        return parent

    for name, phone, email, dept, title, role in DEMO_PEOPLE[1:]:
        dept_id = await department(dept) if dept else root_id
        added = await check_add_member(
            uow, actor,
            MemberCreate(name=name, phone=phone, email=email, job_title=title, department_ids=[dept_id],
                         password=DEMO_PASSWORD),
        )
        if role != "member":
            scope = [departments["研发部"]] if role == "subadmin" else []
            await check_set_role(uow, actor, added.member.id, RoleUpdate(role=role, scope_department_ids=scope))
    return org.id
