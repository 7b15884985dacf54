"""ORM rows → read shapes."""

from tack.openapi_compat.events.models import EventDelivery, EventSubscription
from tack.openapi_compat.events.schemas import DeliveryRead, SubscriptionRead


def subscription_read(sub: EventSubscription) -> SubscriptionRead:
    return SubscriptionRead(
        app_id=sub.app_id, mode=sub.mode, callback_url=sub.callback_url, token=sub.token, aes_key=sub.aes_key,
        event_types=sub.event_types, verified_at=sub.verified_at, updated_at=sub.updated_at,
    )


def delivery_read(d: EventDelivery) -> DeliveryRead:
    return DeliveryRead(
        id=d.id, app_id=d.app_id, event_type=d.event_type, payload=d.payload, status=d.status,  # type: ignore[arg-type]
        attempts=d.attempts, max_attempts=d.max_attempts, last_error=d.last_error,
        created_at=d.created_at, delivered_at=d.delivered_at,
    )
