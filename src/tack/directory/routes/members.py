"""Members: list and search, profiles, add and edit, roles, activation, passwords, import, export."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from tack.directory import queries
from tack.directory.actions import imports, members
from tack.directory.auth import CurrentActor
from tack.directory.importer import write_sheet
from tack.directory.routes import IdPath, IdQuery
from tack.directory.schemas import (
    ImportReport,
    MemberCreate,
    MemberCreated,
    MemberPage,
    MemberRead,
    MemberUpdate,
    PasswordIssued,
    RoleUpdate,
)
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/orgs/{org_id}", tags=["directory"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]


@router.get("/members")
async def list_members(
    actor: CurrentActor,
    session: ReadSession,
    department_id: IdQuery = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
    include_inactive: bool = False,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> MemberPage:
    return await queries.list_members(
        session, actor, department_id=department_id, q=q, include_inactive=include_inactive, offset=offset, limit=limit
    )


@router.get("/members/export")
async def export_members(
    actor: CurrentActor, session: ReadSession, format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv"
) -> Response:
    content, media_type, filename = write_sheet(await queries.export_rows(session, actor), format)
    return Response(
        content, media_type=media_type, headers={"content-disposition": f'attachment; filename="{filename}"'}
    )


@router.post("/members/import")
async def import_members(request: Request, actor: CurrentActor, file: UploadFile, uow: UoW) -> ImportReport:
    settings = request.app.state.settings
    data = await file.read(settings.import_max_bytes + 1)
    return await imports.check_import_file(
        uow, actor, filename=file.filename or "", data=data,
        max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows,
    )


@router.get("/members/{member_id}")
async def get_member(actor: CurrentActor, member_id: IdPath, session: ReadSession) -> MemberRead:
    return await queries.get_member(session, actor, member_id)


@router.post("/members", status_code=201)
async def add_member(actor: CurrentActor, body: MemberCreate, uow: UoW) -> MemberCreated:
    added = await members.check_add_member(uow, actor, body)
    return MemberCreated(
        member=await queries.get_member(uow.session, actor, added.member.id),
        initial_password=added.initial_password,
    )


@router.patch("/members/{member_id}")
async def update_member(actor: CurrentActor, member_id: IdPath, body: MemberUpdate, uow: UoW) -> MemberRead:
    await members.check_update_member(uow, actor, member_id, body)
    await uow.session.flush()
    return await queries.get_member(uow.session, actor, member_id)


@router.post("/members/{member_id}/deactivate")
async def deactivate_member(actor: CurrentActor, member_id: IdPath, uow: UoW) -> MemberRead:
    await members.check_set_member_active(uow, actor, member_id, active=False)
    await uow.session.flush()
    return await queries.get_member(uow.session, actor, member_id)


@router.post("/members/{member_id}/reactivate")
async def reactivate_member(actor: CurrentActor, member_id: IdPath, uow: UoW) -> MemberRead:
    await members.check_set_member_active(uow, actor, member_id, active=True)
    await uow.session.flush()
    return await queries.get_member(uow.session, actor, member_id)


@router.put("/members/{member_id}/role")
async def set_member_role(actor: CurrentActor, member_id: IdPath, body: RoleUpdate, uow: UoW) -> MemberRead:
    await members.check_set_role(uow, actor, member_id, body)
    await uow.session.flush()
    return await queries.get_member(uow.session, actor, member_id)


@router.post("/members/{member_id}/password")
async def issue_member_password(actor: CurrentActor, member_id: IdPath, uow: UoW) -> PasswordIssued:
    password = await members.check_issue_password(uow, actor, member_id)
    return PasswordIssued(member_id=member_id, password=password)
