"""Admin API of apps, under Tack's own /api/v1 (errors {code, message}): /orgs/{org}/apps."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tack.directory.auth import CurrentActor
from tack.directory.schemas import MAX_ID
from tack.openapi_compat.apps import actions, queries
from tack.openapi_compat.apps.schemas import AppCreate, AppCredentials, AppList, AppRead, AppUpdate, ScopeList
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/orgs/{org_id}", tags=["apps"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]
AppId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/apps")
async def list_apps(actor: CurrentActor, session: ReadSession) -> AppList:
    return await queries.list_apps(session, actor)


@router.get("/app-scopes")
async def list_app_scopes(actor: CurrentActor) -> ScopeList:
    return queries.list_scopes()


@router.post("/apps", status_code=201)
async def create_app(actor: CurrentActor, uow: UoW, body: AppCreate) -> AppCredentials:
    return await actions.check_create_app(uow, actor, body)


@router.get("/apps/{app_id}")
async def get_app(actor: CurrentActor, session: ReadSession, app_id: AppId) -> AppRead:
    return await queries.get_app(session, actor, app_id)


@router.patch("/apps/{app_id}")
async def update_app(actor: CurrentActor, uow: UoW, app_id: AppId, body: AppUpdate) -> AppRead:
    return await actions.check_update_app(uow, actor, app_id, body)


@router.post("/apps/{app_id}/secret")
async def rotate_app_secret(actor: CurrentActor, uow: UoW, app_id: AppId) -> AppCredentials:
    return await actions.check_rotate_secret(uow, actor, app_id)


@router.delete("/apps/{app_id}", status_code=204)
async def delete_app(actor: CurrentActor, uow: UoW, app_id: AppId) -> Response:
    await actions.check_delete_app(uow, actor, app_id)
    return Response(status_code=204)
