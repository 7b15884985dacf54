"""Approval HTTP routes under /api/v1/orgs/{org_id}/approval."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.ext.asyncio import AsyncSession

from tack.approval import queries
from tack.approval.actions import instances, misc, templates
from tack.approval.actions.misc import MAX_FILE_BYTES
from tack.approval.queries import Box, Search
from tack.approval.schemas import (
    MAX_ID,
    AddApproverBody,
    CommentBody,
    DecisionBody,
    FileRead,
    FlowPreview,
    InstanceList,
    InstanceRead,
    InstanceStatus,
    LeaveBalanceList,
    LeaveBalanceSet,
    PreviewBody,
    ReturnBody,
    RoleCreate,
    RoleList,
    RoleRead,
    SubmitBody,
    TemplateCreate,
    TemplateList,
    TemplateRead,
    TemplateUpdate,
    TransferBody,
)
from tack.directory.auth import CurrentActor
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/orgs/{org_id}/approval", tags=["approval"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
BeforeId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=100)]


# --- templates and roles ----------------------------------------------------------------------


@router.get("/templates")
async def list_templates(actor: CurrentActor, session: ReadSession, manage: bool = False) -> TemplateList:
    """Templates the caller may use; `manage=true` (owners/admins): all of them."""
    return await queries.list_templates(session, actor, manage=manage)


@router.post("/templates", status_code=201)
async def create_template(actor: CurrentActor, uow: UoW, body: TemplateCreate) -> TemplateRead:
    return await templates.check_create_template(uow, actor, body)


@router.post("/templates/builtins")
async def ensure_builtins(actor: CurrentActor, uow: UoW) -> dict[str, int]:
    return {"added": await templates.check_ensure_builtins(uow, actor)}


@router.get("/templates/{template_id}")
async def get_template(actor: CurrentActor, session: ReadSession, template_id: Id) -> TemplateRead:
    return await queries.get_template(session, actor, template_id)


@router.put("/templates/{template_id}")
async def update_template(actor: CurrentActor, uow: UoW, template_id: Id, body: TemplateUpdate) -> TemplateRead:
    return await templates.check_update_template(uow, actor, template_id, body)


@router.post("/templates/{template_id}/preview")
async def preview_flow(actor: CurrentActor, session: ReadSession, template_id: Id, body: PreviewBody) -> FlowPreview:
    return await queries.preview_flow(session, actor, template_id, body)


@router.get("/roles")
async def list_roles(actor: CurrentActor, session: ReadSession) -> RoleList:
    return await queries.list_roles(session, actor)


@router.post("/roles", status_code=201)
async def create_role(actor: CurrentActor, uow: UoW, body: RoleCreate) -> RoleRead:
    return await templates.check_create_role(uow, actor, body)


@router.put("/roles/{role_id}")
async def update_role(actor: CurrentActor, uow: UoW, role_id: Id, body: RoleCreate) -> RoleRead:
    return await templates.check_update_role(uow, actor, role_id, body)


# --- instances ----------------------------------------------------------------------------------


@router.post("/instances", status_code=201)
async def submit(actor: CurrentActor, uow: UoW, body: SubmitBody) -> InstanceRead:
    return await instances.check_submit(uow, actor, body)


@router.get("/boxes/{box}")
async def list_box(actor: CurrentActor, session: ReadSession, box: Box, before_id: BeforeId = None, limit: Limit = 20) -> InstanceList:
    """pending (待我审批), done (我已审批), submitted (我发起的), cc (抄送我的); newest first."""
    return await queries.list_box(session, actor, box, before_id=before_id, limit=limit)


def _search(
    template_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: InstanceStatus | None = None,
    submitter_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
) -> Search:
    return Search(template_id=template_id, status=status, submitter_id=submitter_id, since=since, until=until, text=q)


@router.get("/admin/instances")
async def admin_search(
    actor: CurrentActor, session: ReadSession, search: Annotated[Search, Depends(_search)], before_id: BeforeId = None, limit: Limit = 50
) -> InstanceList:
    return await queries.admin_search(session, actor, search, before_id=before_id, limit=limit)


@router.get("/admin/export")
async def admin_export(actor: CurrentActor, session: ReadSession, search: Annotated[Search, Depends(_search)]) -> Response:
    body = await queries.admin_export(session, actor, search)
    return Response(body, media_type="text/csv; charset=utf-8", headers={"content-disposition": 'attachment; filename="approvals.csv"'})


@router.get("/instances/{instance_id}")
async def get_instance(actor: CurrentActor, session: ReadSession, instance_id: Id) -> InstanceRead:
    return await queries.get_instance(session, actor, instance_id)


@router.post("/instances/{instance_id}/approve")
async def approve(actor: CurrentActor, uow: UoW, instance_id: Id, body: DecisionBody | None = None) -> InstanceRead:
    return await instances.check_approve(uow, actor, instance_id, body or DecisionBody())


@router.post("/instances/{instance_id}/reject")
async def reject(actor: CurrentActor, uow: UoW, instance_id: Id, body: DecisionBody | None = None) -> InstanceRead:
    return await instances.check_reject(uow, actor, instance_id, body or DecisionBody())


@router.post("/instances/{instance_id}/transfer")
async def transfer(actor: CurrentActor, uow: UoW, instance_id: Id, body: TransferBody) -> InstanceRead:
    return await instances.check_transfer(uow, actor, instance_id, body)


@router.post("/instances/{instance_id}/add-approver")
async def add_approver(actor: CurrentActor, uow: UoW, instance_id: Id, body: AddApproverBody) -> InstanceRead:
    return await instances.check_add_approver(uow, actor, instance_id, body)


@router.post("/instances/{instance_id}/return")
async def return_to_step(actor: CurrentActor, uow: UoW, instance_id: Id, body: ReturnBody) -> InstanceRead:
    return await instances.check_return(uow, actor, instance_id, body)


@router.post("/instances/{instance_id}/withdraw")
async def withdraw(actor: CurrentActor, uow: UoW, instance_id: Id) -> InstanceRead:
    return await instances.check_withdraw(uow, actor, instance_id)


@router.post("/instances/{instance_id}/comments")
async def comment(actor: CurrentActor, uow: UoW, instance_id: Id, body: CommentBody) -> InstanceRead:
    return await instances.check_comment(uow, actor, instance_id, body)


@router.post("/instances/{instance_id}/urge")
async def urge(actor: CurrentActor, uow: UoW, instance_id: Id) -> InstanceRead:
    return await instances.check_urge(uow, actor, instance_id)


@router.post("/instances/{instance_id}/revoke")
async def revoke(actor: CurrentActor, uow: UoW, instance_id: Id, body: DecisionBody | None = None) -> InstanceRead:
    return await instances.check_revoke(uow, actor, instance_id, body or DecisionBody())


# --- files and leave balances -------------------------------------------------------------------


@router.post("/files", status_code=201)
async def upload(
    request: Request, actor: CurrentActor, uow: UoW, file: UploadFile,
    kind: Annotated[str, Form(pattern="^(image|file)$")] = "file",
) -> FileRead:
    data = await file.read(MAX_FILE_BYTES + 1)
    return await misc.check_upload(
        uow, actor, name=file.filename, declared_type=file.content_type, data=data, as_image=kind == "image",
        data_dir=request.app.state.settings.data_dir,
    )


@router.get("/files/{file_id}")
async def download(request: Request, actor: CurrentActor, session: ReadSession, file_id: Id) -> FileResponse:
    found = await queries.get_file(session, actor, file_id, data_dir=request.app.state.settings.data_dir)
    return FileResponse(
        found.path, media_type=found.content_type, filename=found.name,
        content_disposition_type="inline" if found.inline else "attachment",
        headers={"x-content-type-options": "nosniff", "cache-control": "private, max-age=86400"},
    )


@router.get("/leave-balances")
async def leave_balances(
    actor: CurrentActor, session: ReadSession, member_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> LeaveBalanceList:
    return await queries.leave_balances(session, actor, member_id)


@router.put("/leave-balances/{member_id}")
async def set_leave_balance(actor: CurrentActor, uow: UoW, member_id: Id, body: LeaveBalanceSet) -> LeaveBalanceList:
    return await misc.check_set_leave_balance(uow, actor, member_id, body)
