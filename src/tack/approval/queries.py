"""Approval reads: templates, the flow preview, instances, the four lists, admin search and
export, roles, leave balances, files."""

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from tack.approval.access import access_instance_by_id, access_template_by_id, may_use, my_member_id
from tack.approval.builtins import TRACKED_LEAVE
from tack.approval.errors import ExportTooLarge, FileNotFound
from tack.approval.forms import clean_values
from tack.approval.reads import instance_read, names, preview_read, summaries, template_read
from tack.approval.repository import (
    CcRepository,
    FileRepository,
    InstanceRepository,
    LeaveBalanceRepository,
    RoleRepository,
    TaskRepository,
    TemplateRepository,
    VersionRepository,
)
from tack.approval.resolve import resolve_flow
from tack.approval.schemas import (
    FieldDef,
    FlowDef,
    FlowPreview,
    InstanceList,
    InstanceRead,
    LeaveBalanceList,
    LeaveBalanceRead,
    PreviewBody,
    RoleList,
    RoleRead,
    TemplateList,
    TemplateRead,
)
from tack.chat.files import blob_path
from tack.core.actor import Actor
from tack.core.clock import as_utc
from tack.core.errors import AppError
from tack.directory.access import MemberNotFound, org_id_of, require_admin
from tack.directory.queries import member_cards

Box = Literal["pending", "done", "submitted", "cc"]
EXPORT_CAP = 50_000


async def list_templates(session: AsyncSession, actor: Actor, *, manage: bool) -> TemplateList:
    """Templates the actor may use (switched-off ones are absent), or all of them for admins
    managing templates."""
    org_id = org_id_of(actor)
    if manage:
        require_admin(actor)
    templates = await TemplateRepository(session, org_id).all()
    versions = {v.id: v for v in await VersionRepository(session, org_id).get_many({t.current_version_id for t in templates if t.current_version_id})}
    out = []
    for t in templates:
        if t.current_version_id not in versions:
            continue
        if manage or await may_use(session, actor, t):
            out.append(template_read(t, versions[t.current_version_id]))
    return TemplateList(items=out)


async def get_template(session: AsyncSession, actor: Actor, template_id: int) -> TemplateRead:
    access = await access_template_by_id(session, actor, template_id, to_use=not actor.is_admin)
    return template_read(access.template, access.version)


async def preview_flow(session: AsyncSession, actor: Actor, template_id: int, body: PreviewBody) -> FlowPreview:
    """The approvers and CC a submission would get now, before submitting. Values are checked
    leniently: a form still being filled in previews with whatever is valid so far."""
    org_id, me = org_id_of(actor), my_member_id(actor)
    access = await access_template_by_id(session, actor, template_id, to_use=True)
    form = [FieldDef.model_validate(f) for f in access.version.form]
    flow = FlowDef.model_validate(access.version.flow)
    values = {}
    for f in form:
        if f.key in body.values:
            try:
                values.update(clean_values([f.model_copy(update={"required": False})], {f.key: body.values[f.key]})[0])
            except AppError:
                continue
    resolved = await resolve_flow(session, org_id, me, form, flow, values, body.chosen)
    people = {m for s in resolved.steps for m in s["approver_ids"]} | set(resolved.cc_on_submit) | set(resolved.cc_on_finish)
    known = await names(session, org_id, people)
    cc = list(dict.fromkeys([*resolved.cc_on_submit, *resolved.cc_on_finish]))
    return preview_read(resolved.steps, cc, resolved.needs_choice, known)


async def get_instance(session: AsyncSession, actor: Actor, instance_id: int) -> InstanceRead:
    return await instance_read(session, await access_instance_by_id(session, actor, instance_id))


async def list_box(session: AsyncSession, actor: Actor, box: Box, *, before_id: int | None, limit: int) -> InstanceList:
    """pending / done: the actor's tasks (paged by task id); submitted / cc: instances."""
    org_id, me = org_id_of(actor), my_member_id(actor)
    if box in ("pending", "done"):
        rows = await TaskRepository(session, org_id).page(me, done=box == "done", before_id=before_id, limit=limit)
        items = await summaries(session, org_id, rows, [r.task_id for r in rows])
        cursor = rows[-1].task_id if len(rows) == limit else None
        return InstanceList(items=items, next_before_id=cursor)
    if box == "submitted":
        instances = await InstanceRepository(session, org_id).submitted_page(me, before_id=before_id, limit=limit)
    else:
        instances = await CcRepository(session, org_id).page(me, before_id=before_id, limit=limit)
    cursor = instances[-1].id if len(instances) == limit else None
    return InstanceList(items=await summaries(session, org_id, instances), next_before_id=cursor)


@dataclass(frozen=True, slots=True)
class Search:
    template_id: int | None = None
    status: str | None = None
    submitter_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    submitter_ids: tuple[int, ...] | None = None  # any of these submitters (the open platform's userid_list)


def _fields(search: "Search") -> dict[str, object]:
    """The filters, with times read as UTC when the caller gave no offset."""
    fixed = replace(
        search,
        since=as_utc(search.since) if search.since else None,
        until=as_utc(search.until) if search.until else None,
    )
    return {k: getattr(fixed, k) for k in ("template_id", "status", "submitter_id", "since", "until", "text", "submitter_ids")}


async def admin_search(session: AsyncSession, actor: Actor, search: Search, *, before_id: int | None, limit: int) -> InstanceList:
    """Owners and admins search every instance of the org."""
    org_id = org_id_of(actor)
    require_admin(actor)
    rows = await InstanceRepository(session, org_id).search(**_fields(search), before_id=before_id, limit=limit)
    cursor = rows[-1].id if len(rows) == limit else None
    return InstanceList(items=await summaries(session, org_id, rows), next_before_id=cursor)


async def admin_export(session: AsyncSession, actor: Actor, search: Search) -> str:
    """CSV (UTF-8 with BOM, for Excel) of the matching instances: one row each, values as JSON.
    At most EXPORT_CAP rows: past that the export is refused (422 approval_export_too_large,
    with the limit) rather than cut short without a word."""
    org_id = org_id_of(actor)
    require_admin(actor)
    rows = await InstanceRepository(session, org_id).search(**_fields(search), before_id=None, limit=EXPORT_CAP + 1)
    if len(rows) > EXPORT_CAP:
        raise ExportTooLarge(limit=EXPORT_CAP)
    known = await names(session, org_id, {r.submitter_member_id for r in rows})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["编号", "标题", "类型", "状态", "发起人", "发起时间", "完成时间", "表单"])
    for r in rows:
        writer.writerow([
            r.id, r.title, r.kind, r.status, known.get(r.submitter_member_id, ""), r.created_at.isoformat(),
            r.finished_at.isoformat() if r.finished_at else "", json.dumps(r.values, ensure_ascii=False),
        ])
    return "\ufeff" + out.getvalue()


async def list_roles(session: AsyncSession, actor: Actor) -> RoleList:
    org_id = org_id_of(actor)
    require_admin(actor)
    return RoleList(items=[RoleRead(id=r.id, name=r.name, member_ids=r.member_ids) for r in await RoleRepository(session, org_id).all()])


async def leave_balances(session: AsyncSession, actor: Actor, member_id: int | None) -> LeaveBalanceList:
    """A member sees their own balances; owners and admins anyone's."""
    org_id, me = org_id_of(actor), my_member_id(actor)
    target = member_id or me
    if target != me and (not actor.is_admin or target not in await member_cards(session, org_id, [target])):
        raise MemberNotFound()  # someone else's, or nobody of this org: alike
    rows = {r.leave_type: r.half_days for r in await LeaveBalanceRepository(session, org_id).of_member(target)}
    return LeaveBalanceList(items=[LeaveBalanceRead(member_id=target, leave_type=t, days=rows.get(t, 0) / 2) for t in TRACKED_LEAVE])


@dataclass(frozen=True, slots=True)
class FoundFile:
    path: Path
    name: str
    content_type: str
    inline: bool


async def get_file(session: AsyncSession, actor: Actor, file_id: int, *, data_dir: Path) -> FoundFile:
    """The uploader's own files, and files of instances the actor may see."""
    org_id, me = org_id_of(actor), my_member_id(actor)
    row = await FileRepository(session, org_id).get(file_id)
    if row is None:
        raise FileNotFound()
    if row.uploader_member_id != me:
        if row.instance_id is None:
            raise FileNotFound()
        await access_instance_by_id(session, actor, row.instance_id)
    return FoundFile(blob_path(data_dir, row.path), row.name, row.content_type, row.is_image)
