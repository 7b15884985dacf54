"""Reads of approvals for an app: through approval's own queries, with the app's actor (an
admin-level reader of its org) or, for what a person may use, that member's actor."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from tack.approval import queries as approval
from tack.approval.errors import InstanceNotFound, TemplateNotFound
from tack.approval.schemas import InstanceRead
from tack.core.actor import Actor
from tack.directory.queries import get_org, member_department_ids, org_timezone
from tack.openapi_compat.approvals import wire
from tack.openapi_compat.contact import ids
from tack.openapi_compat.members import member_actor
from tack.openapi_compat.tokens import AppCaller

MAX_PAGE = 20


async def root_department_id(session: AsyncSession, caller: AppCaller) -> int:
    return (await get_org(session, caller.actor)).root_department_id


async def template_form(session: AsyncSession, actor: Actor, code: str) -> Any:
    template_id = wire.template_id_of(code)
    if template_id is None:
        raise TemplateNotFound()
    return await approval.get_template(session, actor, template_id)


@dataclass(slots=True)
class Shaped:
    read: InstanceRead
    tz: ZoneInfo
    department_id: int | None


async def get_instance(session: AsyncSession, caller: AppCaller, instance_id: str) -> Shaped:
    number = wire.instance_id_of(instance_id)
    if number is None:
        raise InstanceNotFound()
    read = await approval.get_instance(session, caller.actor, number)
    return (await _shaped(session, caller, [read]))[0]


async def _shaped(session: AsyncSession, caller: AppCaller, reads: list[InstanceRead]) -> list[Shaped]:
    tz = ZoneInfo(await org_timezone(session, caller.org_id))
    root = await root_department_id(session, caller)
    departments = await member_department_ids(session, caller.org_id, list({r.submitter.id for r in reads}))
    out = []
    for r in reads:
        first = (departments.get(r.submitter.id) or [None])[0]
        out.append(Shaped(r, tz, ids.external_department(first, root)))
    return out


@dataclass(slots=True)
class IdPage:
    ids: list[int]
    next_cursor: int | None


async def list_ids(
    session: AsyncSession, caller: AppCaller, *, code: str, start: datetime, end: datetime | None,
    submitters: list[int] | None, cursor: int, size: int,
) -> IdPage:
    """Instances of one template created in [start, end), newest first; the cursor is the last
    id of the previous page (0 for the first), as DingTalk's next_cursor is opaque."""
    template_id = wire.template_id_of(code)
    if template_id is None:
        raise TemplateNotFound()
    await approval.get_template(session, caller.actor, template_id)  # exists in this org
    search = approval.Search(template_id=template_id, since=start, until=end,
                             submitter_ids=tuple(submitters) if submitters is not None else None)
    page = await approval.admin_search(session, caller.actor, search, before_id=cursor or None, limit=size)
    return IdPage([i.id for i in page.items], page.next_before_id)


async def get_many(session: AsyncSession, caller: AppCaller, instance_ids: list[int]) -> list[Shaped]:
    reads = [await approval.get_instance(session, caller.actor, i) for i in instance_ids]
    return await _shaped(session, caller, reads)


async def templates_of(session: AsyncSession, caller: AppCaller, userid: str | None) -> list[dict[str, Any]]:
    """Templates a member may use (or, with no userid, every active template of the org)."""
    if userid:
        listed = await approval.list_templates(session, await member_actor(session, caller, userid), manage=False)
        items = listed.items
    else:
        items = [t for t in (await approval.list_templates(session, caller.actor, manage=True)).items if t.active]
    return [{"name": t.name, "process_code": wire.process_code(t.id), "icon_url": "", "url": "", "description": t.description}
            for t in items]
