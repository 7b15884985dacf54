"""Template and role writes (owners and admins): create, edit (a new version), built-ins."""

from sqlalchemy.ext.asyncio import AsyncSession

from tack.approval.access import access_template_by_id
from tack.approval.builtins import builtin_templates, check_builtin_fields
from tack.approval.errors import InvalidTemplate, RoleNotFound
from tack.approval.flows import DesignContext, check_flow
from tack.approval.forms import check_design
from tack.approval.models import ApprovalRole, ApprovalTemplate, ApprovalTemplateVersion
from tack.approval.reads import template_read
from tack.approval.repository import RoleRepository, TemplateRepository, VersionRepository
from tack.approval.schemas import FieldDef, FlowDef, RoleCreate, RoleRead, TemplateCreate, TemplateRead, TemplateUpdate, Visibility
from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import Conflict
from tack.directory.access import org_id_of, require_admin
from tack.directory.hooks import DirectoryEvent, OrgCreated
from tack.directory.queries import existing_department_ids, member_contacts
from tack.storage.uow import UnitOfWork


async def _design_context(session: AsyncSession, org_id: int, form: list[FieldDef], flow: FlowDef, vis: Visibility) -> DesignContext:
    ids = {m for s in flow.steps for m in s.member_ids} | {m for c in flow.cc for m in c.member_ids} | set(vis.member_ids)
    contacts = await member_contacts(session, org_id, ids)
    roles = {r.id: r for r in await RoleRepository(session, org_id).all()}
    role_people = {m for r in roles.values() for m in r.member_ids}
    people = await member_contacts(session, org_id, role_people)
    return DesignContext(
        active_member_ids={i for i, c in contacts.items() if c.active},
        role_members={rid: [m for m in r.member_ids if m in people and people[m].active] for rid, r in roles.items()},
    )


async def _check(session: AsyncSession, org_id: int, kind: str, form: list[FieldDef], flow: FlowDef, vis: Visibility) -> None:
    check_design(form)
    check_builtin_fields(kind, form)
    ctx = await _design_context(session, org_id, form, flow, vis)
    check_flow(form, flow, ctx)
    missing = sorted(set(vis.member_ids) - ctx.active_member_ids)
    missing_depts = sorted(set(vis.department_ids) - await existing_department_ids(session, org_id, vis.department_ids))
    if missing or missing_depts:
        raise InvalidTemplate(errors=[{"visibility": "members", "member_ids": missing, "department_ids": missing_depts}])


async def do_create_template(uow: UnitOfWork, org_id: int, body: TemplateCreate) -> TemplateRead:
    now = utc_now()
    template = TemplateRepository(uow.session, org_id).add(
        ApprovalTemplate(
            org_id=org_id,
            name=body.name,
            description=body.description,
            kind=body.kind,
            active=True,
            version=1,
            visibility=body.visibility.model_dump(),
            created_at=now,
            updated_at=now,
        )
    )
    await uow.session.flush()
    version = VersionRepository(uow.session, org_id).add(
        ApprovalTemplateVersion(
            org_id=org_id,
            template_id=template.id,
            version=1,
            form=[f.model_dump(exclude_defaults=True) for f in body.form],
            flow=body.flow.model_dump(exclude_defaults=True),
            created_at=now,
        )
    )
    await uow.session.flush()
    template.current_version_id = version.id
    return template_read(template, version)


async def check_create_template(uow: UnitOfWork, actor: Actor, body: TemplateCreate) -> TemplateRead:
    """Raises: Forbidden (not an owner/admin), InvalidTemplate (422, `errors` lists each
    problem of the form, the flow or the visibility)."""
    org_id = org_id_of(actor)
    require_admin(actor)
    await _check(uow.session, org_id, body.kind, body.form, body.flow, body.visibility)
    return await do_create_template(uow, org_id, body)


async def check_update_template(uow: UnitOfWork, actor: Actor, template_id: int, body: TemplateUpdate) -> TemplateRead:
    """A change to the form or flow adds a version; running instances keep theirs. The kind
    never changes (side effects depend on it)."""
    org_id = org_id_of(actor)
    require_admin(actor)
    access = await access_template_by_id(uow.session, actor, template_id, to_use=False)
    template = await TemplateRepository(uow.session, org_id).get_locked(access.template.id)
    assert template is not None
    current = template_read(template, access.version)
    form = body.form if body.form is not None else current.form
    flow = body.flow if body.flow is not None else current.flow
    vis = body.visibility if body.visibility is not None else current.visibility
    await _check(uow.session, org_id, template.kind, form, flow, vis)
    now = utc_now()
    version = access.version
    if body.form is not None or body.flow is not None:
        template.version += 1
        version = VersionRepository(uow.session, org_id).add(
            ApprovalTemplateVersion(
                org_id=org_id,
                template_id=template.id,
                version=template.version,
                form=[f.model_dump(exclude_defaults=True) for f in form],
                flow=flow.model_dump(exclude_defaults=True),
                created_at=now,
            )
        )
        await uow.session.flush()
        template.current_version_id = version.id
    if body.name is not None:
        template.name = body.name
    if body.description is not None:
        template.description = body.description
    if body.active is not None:
        template.active = body.active
    template.visibility = vis.model_dump()
    template.updated_at = now
    await uow.session.flush()
    return template_read(template, version)


async def do_ensure_builtins(uow: UnitOfWork, org_id: int) -> int:
    """Adds the built-in templates an organization lacks (by kind); returns how many."""
    have = await TemplateRepository(uow.session, org_id).kinds()
    added = 0
    for body in builtin_templates():
        if body.kind not in have:
            await do_create_template(uow, org_id, body)
            added += 1
    return added


async def check_ensure_builtins(uow: UnitOfWork, actor: Actor) -> int:
    require_admin(actor)
    return await do_ensure_builtins(uow, org_id_of(actor))


async def on_directory_change(uow: UnitOfWork, event: DirectoryEvent) -> None:
    """A new organization starts with the built-in templates (wired in main.register_hooks)."""
    if isinstance(event, OrgCreated):
        await do_ensure_builtins(uow, event.org_id)


# --- roles ----------------------------------------------------------------------------------


async def _check_role_members(session: AsyncSession, org_id: int, member_ids: list[int]) -> None:
    contacts = await member_contacts(session, org_id, member_ids)
    missing = sorted(m for m in set(member_ids) if m not in contacts or not contacts[m].active)
    if missing:
        raise InvalidTemplate("Unknown or inactive members", code="approval_invalid_role", member_ids=missing)


async def check_create_role(uow: UnitOfWork, actor: Actor, body: RoleCreate) -> RoleRead:
    org_id = org_id_of(actor)
    require_admin(actor)
    repo = RoleRepository(uow.session, org_id)
    if await repo.by_name(body.name) is not None:
        raise Conflict("A role with this name exists", code="approval_role_exists")
    await _check_role_members(uow.session, org_id, body.member_ids)
    role = repo.add(ApprovalRole(org_id=org_id, name=body.name, member_ids=list(dict.fromkeys(body.member_ids)), created_at=utc_now()))
    await uow.session.flush()
    return RoleRead(id=role.id, name=role.name, member_ids=role.member_ids)


async def check_update_role(uow: UnitOfWork, actor: Actor, role_id: int, body: RoleCreate) -> RoleRead:
    """Changes who holds the role; running instances keep the approvers they resolved."""
    org_id = org_id_of(actor)
    require_admin(actor)
    repo = RoleRepository(uow.session, org_id)
    role = await repo.get(role_id)
    if role is None:
        raise RoleNotFound()
    other = await repo.by_name(body.name)
    if other is not None and other.id != role.id:
        raise Conflict("A role with this name exists", code="approval_role_exists")
    await _check_role_members(uow.session, org_id, body.member_ids)
    role.name = body.name
    role.member_ids = list(dict.fromkeys(body.member_ids))
    await uow.session.flush()
    return RoleRead(id=role.id, name=role.name, member_ids=role.member_ids)
