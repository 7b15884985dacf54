"""Every write on event subscriptions and deliveries.

- Saving a subscription first runs DingTalk's URL verification: the server POSTs the encrypted
  {"EventType": "check_url"} and the receiver must answer with the encrypted "success"; if it
  does not, nothing is saved (as in DingTalk's console).
- An event becomes one delivery row per subscribed app of the event's organization plus one
  durable job, both in the transaction of the change that caused it: no event is lost when the
  receiver (or this server) is down.
- A delivery's job retries with the runner's backoff; each attempt's outcome is written in its
  own short transaction, so failures stay visible even though the job's transaction rolls back.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import BadRequest, NotFound
from tack.directory.actions.audit import do_audit
from tack.openapi_compat.apps.access import access_app_by_id
from tack.openapi_compat.apps.repository import AppRepository
from tack.openapi_compat.events import crypto, payloads, sender
from tack.openapi_compat.events.models import EventDelivery, EventSubscription
from tack.openapi_compat.events.reads import delivery_read, subscription_read
from tack.openapi_compat.events.repository import DeliveryRepository, SubscriptionRepository
from tack.openapi_compat.events.schemas import DeliveryRead, SubscriptionRead, SubscriptionWrite
from tack.openapi_compat.events.types import EVENT_TYPES
from tack.storage.uow import UnitOfWork

DELIVER_JOB = "openapi_compat.event_deliver"
MAX_ATTEMPTS = 8  # with the runner's backoff (10 s doubling, ±jitter): about 20 to 40 minutes


class BadCallbackUrl(BadRequest):
    code = "event_bad_callback_url"
    message = "The callback URL must be an http(s) URL"


class BadAesKey(BadRequest):
    code = "event_bad_aes_key"
    message = "The AES key must be DingTalk's 43-character EncodingAESKey"


class UnknownEventType(BadRequest):
    code = "event_unknown_type"
    message = "Unknown event type"


class CallbackVerificationFailed(BadRequest):
    status_code = 422
    code = "event_callback_verification_failed"
    message = "The callback URL did not answer the check_url event with the encrypted \"success\""


class SubscriptionNotFound(NotFound):
    code = "event_subscription_not_found"
    message = "This app has no event subscription"


class DeliveryNotFound(NotFound):
    code = "event_delivery_not_found"
    message = "No such event delivery"


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadCallbackUrl()
    return url


def _check_event_types(names: list[str]) -> list[str]:
    unknown = sorted(n for n in set(names) if n not in EVENT_TYPES)
    if unknown:
        raise UnknownEventType(f"Unknown event type: {', '.join(unknown)}", event_types=unknown)
    return sorted(set(names))


async def check_put_subscription(
    uow: UnitOfWork, actor: Actor, app_id: int, body: SubscriptionWrite
) -> SubscriptionRead:
    app = await access_app_by_id(uow.session, actor, app_id)
    event_types = _check_event_types(body.event_types)
    url = token = aes_key = ""
    if body.mode == "http":
        if not body.callback_url or not body.token:
            raise BadCallbackUrl("HTTP push needs callback_url and token")
        url, token = _check_url(body.callback_url), body.token
        aes_key = body.aes_key or crypto.new_aes_key()
        try:
            crypto.aes_key_bytes(aes_key)
        except crypto.CryptoError as exc:
            raise BadAesKey(f"{BadAesKey.message}: {exc}") from None
        target = sender.Target(url=url, token=token, aes_key=aes_key, receiver_id=app.app_key)
        import httpx  # loaded by the first callback check (~5 MB), not by every server

        try:
            await sender.post(target, payloads.check_url())
        except (sender.NotDelivered, httpx.HTTPError) as exc:
            raise CallbackVerificationFailed(reason=f"{type(exc).__name__}: {exc}"[:500]) from None
    repo = SubscriptionRepository(uow.session, app.org_id)
    now = utc_now()
    sub = await repo.of_app(app.id)
    if sub is None:
        sub = repo.add(EventSubscription(app_id=app.id, mode=body.mode, callback_url=url, token=token, aes_key=aes_key,
                                         event_types=event_types, created_at=now, updated_at=now))
    else:
        sub.mode, sub.callback_url, sub.token, sub.aes_key = body.mode, url, token, aes_key
        sub.event_types, sub.updated_at = event_types, now
    # Stream needs no URL check: the app proves itself when it opens a connection.
    sub.verified_at = now if body.mode == "http" else None
    await uow.session.flush()
    await do_audit(uow, actor, "app.events.subscribe", target_type="app", target_id=app.id, target_name=app.name,
                   detail={"mode": body.mode, "callback_url": url, "event_types": event_types})
    return subscription_read(sub)


async def check_delete_subscription(uow: UnitOfWork, actor: Actor, app_id: int) -> None:
    """Pending deliveries of a removed subscription fail with a reason at their next attempt."""
    app = await access_app_by_id(uow.session, actor, app_id)
    repo = SubscriptionRepository(uow.session, app.org_id)
    sub = await repo.of_app(app.id)
    if sub is None:
        raise SubscriptionNotFound()
    await uow.session.delete(sub)
    await do_audit(uow, actor, "app.events.unsubscribe", target_type="app", target_id=app.id, target_name=app.name)


def _enqueue(uow: UnitOfWork, delivery: EventDelivery, round_: int = 0) -> None:
    uow.enqueue(DELIVER_JOB, {"org_id": delivery.org_id, "delivery_id": delivery.id}, org_id=delivery.org_id,
                dedupe_key=f"event:{delivery.id}:{round_}", max_attempts=delivery.max_attempts)


async def do_publish(uow: UnitOfWork, org_id: int, event_type: str, payload: dict[str, object]) -> int:
    """Queues the event for every enabled app of this organization subscribed to its type.
    Returns how many deliveries were queued."""
    subs = [s for s in await SubscriptionRepository(uow.session, org_id).all() if event_type in s.event_types]
    if not subs:
        return 0
    apps = {a.id: a for a in await AppRepository(uow.session, org_id).get_many({s.app_id for s in subs})}
    now = utc_now()
    rows = [
        EventDelivery(org_id=org_id, app_id=s.app_id, event_type=event_type, payload=payload, status="pending",
                      attempts=0, max_attempts=MAX_ATTEMPTS, last_error="", created_at=now, updated_at=now)
        for s in subs if s.app_id in apps and apps[s.app_id].enabled
    ]
    uow.session.add_all(rows)
    await uow.session.flush()
    for row in rows:
        _enqueue(uow, row)
    return len(rows)


@dataclass(frozen=True, slots=True)
class PlannedDelivery:
    org_id: int
    delivery_id: int
    app_id: int
    app_key: str
    mode: str  # "http" | "stream"
    target: sender.Target | None  # None: the subscription was removed since (or is stream)
    event_type: str
    payload: dict[str, object]
    born_ms: int

    @property
    def gone(self) -> bool:
        return self.mode == "gone"


async def plan_delivery(session: AsyncSession, org_id: int, delivery_id: int) -> PlannedDelivery | None:
    """None when there is nothing (more) to send: delivered already, or gone."""
    delivery = await DeliveryRepository(session, org_id).get(delivery_id)
    if delivery is None or delivery.status == "delivered":
        return None
    sub = await SubscriptionRepository(session, org_id).of_app(delivery.app_id)
    app = await AppRepository(session, org_id).get(delivery.app_id)
    target, mode = None, "gone"
    if sub is not None and app is not None:
        mode = sub.mode
        if mode == "http":
            target = sender.Target(url=sub.callback_url, token=sub.token, aes_key=sub.aes_key, receiver_id=app.app_key)
    return PlannedDelivery(org_id, delivery_id, delivery.app_id, app.app_key if app else "", mode, target,
                           delivery.event_type, delivery.payload, int(delivery.created_at.timestamp() * 1000))


async def do_record_attempt(uow: UnitOfWork, planned: PlannedDelivery, error: str | None, *, final: bool) -> None:
    delivery = await DeliveryRepository(uow.session, planned.org_id).get(planned.delivery_id)
    if delivery is None:
        return
    delivery.attempts += 1
    now = delivery.updated_at = utc_now()
    if error is None:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, ""
    else:
        give_up = final or delivery.attempts >= delivery.max_attempts
        delivery.status, delivery.last_error = ("failed" if give_up else "retrying"), error[:2000]


async def check_retry_delivery(uow: UnitOfWork, actor: Actor, app_id: int, delivery_id: int) -> DeliveryRead:
    """An admin sends a failed delivery again (after fixing the receiver): a fresh round of attempts."""
    app = await access_app_by_id(uow.session, actor, app_id)
    delivery = await DeliveryRepository(uow.session, app.org_id).of_app(app.id, delivery_id)
    if delivery is None:
        raise DeliveryNotFound()
    if delivery.status == "failed":
        delivery.status = "pending"
        delivery.max_attempts = delivery.attempts + MAX_ATTEMPTS
        delivery.updated_at = utc_now()
        await uow.session.flush()
        _enqueue(uow, delivery, round_=delivery.attempts)
    return delivery_read(delivery)
