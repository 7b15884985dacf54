"""Permission-checked loads of templates and instances. Missing and forbidden fail alike
(404 approval_template_not_found / approval_not_found)."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tack.approval.errors import InstanceNotFound, TemplateNotFound
from tack.approval.models import ApprovalInstance, ApprovalTemplate, ApprovalTemplateVersion
from tack.approval.repository import CcRepository, InstanceRepository, TaskRepository, TemplateRepository, VersionRepository
from tack.core.actor import Actor
from tack.directory.access import org_id_of
from tack.directory.queries import department_subtree_ids, member_department_ids


def my_member_id(actor: Actor) -> int:
    if actor.member_id is None:
        raise InstanceNotFound()
    return actor.member_id


async def may_use(session: AsyncSession, actor: Actor, template: ApprovalTemplate) -> bool:
    """Who may submit with a template (可见范围).

    - Nobody while it is switched off.
    - Everyone in the org when visibility is "all".
    - Otherwise the listed members, and members of the listed departments or any
      department below them.
    """
    if not template.active:
        return False
    vis = template.visibility or {}
    if vis.get("all", True):
        return True
    me = my_member_id(actor)
    if me in vis.get("member_ids", []):
        return True
    departments = vis.get("department_ids", [])
    if not departments:
        return False
    mine = set((await member_department_ids(session, org_id_of(actor), [me])).get(me, []))
    return bool(mine & await department_subtree_ids(session, org_id_of(actor), departments))


@dataclass(slots=True)
class TemplateAccess:
    template: ApprovalTemplate
    version: ApprovalTemplateVersion


async def access_template_by_id(session: AsyncSession, actor: Actor, template_id: int, *, to_use: bool) -> TemplateAccess:
    """A template with its current version: to use (visibility applies) or, for admins, to manage."""
    org_id = org_id_of(actor)
    template = await TemplateRepository(session, org_id).get(template_id)
    if template is None or template.current_version_id is None:
        raise TemplateNotFound()
    if to_use and not await may_use(session, actor, template):
        raise TemplateNotFound()
    if not to_use and not actor.is_admin:
        raise TemplateNotFound()
    version = await VersionRepository(session, org_id).get(template.current_version_id)
    assert version is not None
    return TemplateAccess(template, version)


@dataclass(slots=True)
class InstanceAccess:
    instance: ApprovalInstance
    me: int
    is_submitter: bool
    is_admin: bool


async def access_instance_by_id(session: AsyncSession, actor: Actor, instance_id: int, *, lock: bool = False) -> InstanceAccess:
    """An instance for whoever has a part in it.

    - The submitter, anyone who ever had a task on it (approvers, people transferred to or
      added), people CC'd, and the org's owners and admins (admin search).
    - An app of the org (actor kind "app" without a member) for reading only.
    """
    if actor.kind == "app" and actor.member_id is None and actor.is_admin and not lock:
        # An app of the org (open platform) reads every instance, as admins do; it takes no
        # part in any, so it can decide nothing (no member: `me` matches no task).
        found = await InstanceRepository(session, org_id_of(actor)).get(instance_id)
        if found is None:
            raise InstanceNotFound()
        return InstanceAccess(found, 0, False, True)
    org_id, me = org_id_of(actor), my_member_id(actor)
    repo = InstanceRepository(session, org_id)
    instance = await (repo.get_locked(instance_id) if lock else repo.get(instance_id))
    if instance is None:
        raise InstanceNotFound()
    is_submitter = instance.submitter_member_id == me
    if not (
        is_submitter
        or actor.is_admin
        or await TaskRepository(session, org_id).involved(instance.id, me)
        or await CcRepository(session, org_id).is_cc(instance.id, me)
    ):
        raise InstanceNotFound()
    return InstanceAccess(instance, me, is_submitter, actor.is_admin)
