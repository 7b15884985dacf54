"""Statements on subscriptions and deliveries, always scoped to one organization."""


from tack.openapi_compat.events.models import EventDelivery, EventSubscription
from tack.storage.repository import OrgRepository


class SubscriptionRepository(OrgRepository[EventSubscription]):
    model = EventSubscription

    async def of_app(self, app_id: int) -> EventSubscription | None:
        return (await self.session.execute(self.base().where(EventSubscription.app_id == app_id))).scalar_one_or_none()

    async def all(self) -> list[EventSubscription]:
        return await self.scalars(self.base().order_by(EventSubscription.id))


class DeliveryRepository(OrgRepository[EventDelivery]):
    model = EventDelivery

    async def page(self, app_id: int, *, status: str | None, before_id: int | None, limit: int) -> list[EventDelivery]:
        stmt = self.base().where(EventDelivery.app_id == app_id)
        if status is not None:
            stmt = stmt.where(EventDelivery.status == status)
        if before_id is not None:
            stmt = stmt.where(EventDelivery.id < before_id)
        return await self.scalars(stmt.order_by(EventDelivery.id.desc()).limit(limit))

    async def of_app(self, app_id: int, delivery_id: int) -> EventDelivery | None:
        stmt = self.base().where(EventDelivery.app_id == app_id, EventDelivery.id == delivery_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()


