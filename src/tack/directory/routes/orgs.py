"""Organizations, departments, the audit log."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tack.directory import queries
from tack.directory.access import actor_for_org
from tack.directory.actions import departments, orgs
from tack.directory.auth import CurrentActor, CurrentCaller
from tack.directory.routes import IdPath, IdQuery
from tack.directory.schemas import (
    AuditPage,
    DepartmentCreate,
    DepartmentList,
    DepartmentManagersUpdate,
    DepartmentRead,
    DepartmentUpdate,
    OrgCreate,
    OrgRead,
    OrgUpdate,
)
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["directory"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]


@router.post("/orgs", status_code=201)
async def create_org(request: Request, caller: CurrentCaller, body: OrgCreate, uow: UoW) -> OrgRead:
    org, _owner = await orgs.check_create_org(
        uow, caller.account_id, body, default_timezone=request.app.state.settings.timezone
    )
    return await queries.get_org(uow.session, await actor_for_org(uow.session, caller.account_id, org.id))


@router.get("/orgs/{org_id}")
async def get_org(actor: CurrentActor, session: ReadSession) -> OrgRead:
    return await queries.get_org(session, actor)


@router.patch("/orgs/{org_id}")
async def update_org(actor: CurrentActor, body: OrgUpdate, uow: UoW) -> OrgRead:
    await orgs.check_update_org(uow, actor, body)
    return await queries.get_org(uow.session, actor)


@router.get("/orgs/{org_id}/departments")
async def list_departments(actor: CurrentActor, session: ReadSession) -> DepartmentList:
    return await queries.list_departments(session, actor)


@router.post("/orgs/{org_id}/departments", status_code=201)
async def create_department(actor: CurrentActor, body: DepartmentCreate, uow: UoW) -> DepartmentRead:
    department = await departments.check_create_department(uow, actor, body)
    return await queries.get_department(uow.session, actor, department.id)


@router.get("/orgs/{org_id}/departments/{department_id}")
async def get_department(actor: CurrentActor, department_id: IdPath, session: ReadSession) -> DepartmentRead:
    return await queries.get_department(session, actor, department_id)


@router.patch("/orgs/{org_id}/departments/{department_id}")
async def update_department(
    actor: CurrentActor, department_id: IdPath, body: DepartmentUpdate, uow: UoW
) -> DepartmentRead:
    department = await departments.check_update_department(uow, actor, department_id, body)
    await uow.session.flush()
    return await queries.get_department(uow.session, actor, department.id)


@router.delete("/orgs/{org_id}/departments/{department_id}", status_code=204, response_class=Response)
async def delete_department(actor: CurrentActor, department_id: IdPath, uow: UoW) -> None:
    await departments.check_delete_department(uow, actor, department_id)


@router.put("/orgs/{org_id}/departments/{department_id}/managers")
async def set_department_managers(
    actor: CurrentActor, department_id: IdPath, body: DepartmentManagersUpdate, uow: UoW
) -> DepartmentRead:
    await departments.check_set_department_managers(uow, actor, department_id, body)
    await uow.session.flush()
    return await queries.get_department(uow.session, actor, department_id)


@router.get("/orgs/{org_id}/audit")
async def list_audit(
    actor: CurrentActor,
    session: ReadSession,
    before_id: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> AuditPage:
    return await queries.list_audit(session, actor, before_id=before_id, limit=limit)
