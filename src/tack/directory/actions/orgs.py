"""Creating and configuring organizations."""

from zoneinfo import ZoneInfo, available_timezones

from tack.core.actor import Actor
from tack.core.errors import BadRequest
from tack.directory import hooks
from tack.directory.access import require_admin
from tack.directory.actions.audit import do_audit
from tack.directory.models import Account, Department, Member, Org
from tack.directory.pinyin import search_keys, sort_key
from tack.directory.repository import AccountRepository, DepartmentRepository, MemberRepository
from tack.directory.schemas import OrgCreate, OrgUpdate
from tack.storage.uow import UnitOfWork


def check_timezone(name: str) -> str:
    if name not in available_timezones():
        raise BadRequest(f"Unknown time zone {name!r}", code="invalid_timezone")
    ZoneInfo(name)
    return name


async def check_create_org(
    uow: UnitOfWork, account_id: int, body: OrgCreate, *, default_timezone: str
) -> tuple[Org, Member]:
    """Any signed-in account may found an organization and becomes its owner."""
    timezone = check_timezone(body.timezone or default_timezone)
    account = await AccountRepository(uow.session).get(account_id)
    assert account is not None
    return await do_create_org(uow, account, name=body.name, timezone=timezone)


async def do_create_org(uow: UnitOfWork, account: Account, *, name: str, timezone: str) -> tuple[Org, Member]:
    org = Org(name=name, timezone=timezone)
    uow.session.add(org)
    await uow.session.flush()
    root = DepartmentRepository(uow.session, org.id).add(Department(name=name, parent_id=None))
    owner = MemberRepository(uow.session, org.id).add(
        Member(
            account_id=account.id,
            name=account.name,
            phone=account.phone,
            email=account.email,
            role="owner",
            pinyin=search_keys(account.name),
            sort_key=sort_key(account.name),
        )
    )
    await uow.session.flush()
    await MemberRepository(uow.session, org.id).set_departments(owner.id, [root.id])
    account.last_org_id = org.id
    await uow.session.flush()
    await hooks.emit(uow, hooks.OrgCreated(org.id, owner.id))
    return org, owner


async def check_update_org(uow: UnitOfWork, actor: Actor, body: OrgUpdate) -> Org:
    require_admin(actor)
    org = await AccountRepository(uow.session).org(actor.org_id or 0)
    assert org is not None
    changes: dict[str, str] = {}
    if body.name is not None:
        org.name = changes["name"] = body.name
        root = await DepartmentRepository(uow.session, org.id).root()
        root.name = body.name
        await hooks.emit(uow, hooks.DepartmentRenamed(org.id, root.id, body.name))
    if body.timezone is not None:
        org.timezone = changes["timezone"] = check_timezone(body.timezone)
    await do_audit(uow, actor, "org.update", target_type="org", target_id=org.id, target_name=org.name, detail=changes)
    return org
