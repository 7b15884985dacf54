"""Reads of subscriptions and deliveries for the app's admins."""

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.openapi_compat.apps.access import access_app_by_id
from tack.openapi_compat.events.actions import SubscriptionNotFound
from tack.openapi_compat.events.reads import delivery_read, subscription_read
from tack.openapi_compat.events.repository import DeliveryRepository, SubscriptionRepository
from tack.openapi_compat.events.schemas import DeliveryList, EventTypeList, EventTypeRead, SubscriptionRead
from tack.openapi_compat.events.types import EVENT_TYPES


def list_event_types() -> EventTypeList:
    return EventTypeList(items=[EventTypeRead(name=k, description=v) for k, v in EVENT_TYPES.items()])


async def get_subscription(session: AsyncSession, actor: Actor, app_id: int) -> SubscriptionRead:
    app = await access_app_by_id(session, actor, app_id)
    sub = await SubscriptionRepository(session, app.org_id).of_app(app.id)
    if sub is None:
        raise SubscriptionNotFound()
    return subscription_read(sub)


async def list_deliveries(
    session: AsyncSession, actor: Actor, app_id: int, *, status: str | None, before_id: int | None, limit: int
) -> DeliveryList:
    app = await access_app_by_id(session, actor, app_id)
    rows = await DeliveryRepository(session, app.org_id).page(app.id, status=status, before_id=before_id, limit=limit)
    return DeliveryList(items=[delivery_read(r) for r in rows], next_before_id=rows[-1].id if len(rows) == limit else None)
