"""Admin API of event subscriptions, under Tack's own /api/v1: /orgs/{org}/apps/{app}/events/..."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tack.directory.auth import CurrentActor
from tack.directory.schemas import MAX_ID
from tack.openapi_compat.events import actions, queries
from tack.openapi_compat.events.schemas import (
    DeliveryList,
    DeliveryRead,
    DeliveryStatus,
    EventTypeList,
    SubscriptionRead,
    SubscriptionWrite,
)
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/orgs/{org_id}", tags=["app events"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]
AppId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/app-event-types")
async def list_event_types(actor: CurrentActor) -> EventTypeList:
    return queries.list_event_types()


@router.get("/apps/{app_id}/events/subscription")
async def get_subscription(actor: CurrentActor, session: ReadSession, app_id: AppId) -> SubscriptionRead:
    return await queries.get_subscription(session, actor, app_id)


@router.put("/apps/{app_id}/events/subscription")
async def put_subscription(actor: CurrentActor, uow: UoW, app_id: AppId, body: SubscriptionWrite) -> SubscriptionRead:
    return await actions.check_put_subscription(uow, actor, app_id, body)


@router.delete("/apps/{app_id}/events/subscription", status_code=204)
async def delete_subscription(actor: CurrentActor, uow: UoW, app_id: AppId) -> Response:
    await actions.check_delete_subscription(uow, actor, app_id)
    return Response(status_code=204)


@router.get("/apps/{app_id}/events/deliveries")
async def list_deliveries(
    actor: CurrentActor,
    session: ReadSession,
    app_id: AppId,
    status: DeliveryStatus | None = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryList:
    return await queries.list_deliveries(session, actor, app_id, status=status, before_id=before_id, limit=limit)


@router.post("/apps/{app_id}/events/deliveries/{delivery_id}/retry")
async def retry_delivery(
    actor: CurrentActor, uow: UoW, app_id: AppId, delivery_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> DeliveryRead:
    return await actions.check_retry_delivery(uow, actor, app_id, delivery_id)
