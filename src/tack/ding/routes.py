"""DING HTTP routes under /api/v1/orgs/{org_id}: send, lists, pending alerts, confirm, re-DING, settings."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from tack.ding import actions, queries
from tack.ding.schemas import (
    ConfirmRead,
    DingCreate,
    DingList,
    DingRead,
    DingSettingsRead,
    DingSettingsUpdate,
    PendingList,
    RecipientList,
    RedingRead,
)
from tack.directory.auth import CurrentActor
from tack.directory.schemas import MAX_ID
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/orgs/{org_id}", tags=["ding"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]
DingId = Annotated[int, Path(ge=1, le=MAX_ID)]
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")
]


@router.post("/dings", status_code=201)
async def send_ding(
    actor: CurrentActor, uow: UoW, body: DingCreate, response: Response, idempotency_key: IdempotencyKey = None
) -> DingRead:
    """201 with the new DING; 200 with the first one when the Idempotency-Key repeats a send."""
    sent = await actions.check_send_ding(uow, actor, body, idempotency_key=idempotency_key)
    if not sent.created:
        response.status_code = 200
    return sent.ding


@router.get("/dings/sent")
async def list_sent_dings(
    actor: CurrentActor,
    session: ReadSession,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DingList:
    return await queries.list_sent(session, actor, before_id=before_id, limit=limit)


@router.get("/dings/received")
async def list_received_dings(
    actor: CurrentActor,
    session: ReadSession,
    state: Literal["all", "pending", "confirmed"] = "all",
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DingList:
    return await queries.list_received(session, actor, state=state, before_id=before_id, limit=limit)


@router.get("/dings/pending")
async def list_pending_dings(actor: CurrentActor, session: ReadSession) -> PendingList:
    return await queries.list_pending(session, actor)


@router.get("/dings/{ding_id}")
async def get_ding(actor: CurrentActor, session: ReadSession, ding_id: DingId) -> DingRead:
    return await queries.get_ding(session, actor, ding_id)


@router.get("/dings/{ding_id}/recipients")
async def list_ding_recipients(
    actor: CurrentActor,
    session: ReadSession,
    ding_id: DingId,
    state: Literal["all", "confirmed", "unconfirmed"] = "all",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> RecipientList:
    return await queries.list_recipients(session, actor, ding_id, state=state, offset=offset, limit=limit)


@router.post("/dings/{ding_id}/confirm")
async def confirm_ding(actor: CurrentActor, uow: UoW, ding_id: DingId) -> ConfirmRead:
    return await actions.check_confirm_ding(uow, actor, ding_id)


@router.post("/dings/{ding_id}/reding")
async def reding(actor: CurrentActor, uow: UoW, ding_id: DingId) -> RedingRead:
    return await actions.check_reding(uow, actor, ding_id)


@router.post("/dings/{ding_id}/cancel")
async def cancel_ding(actor: CurrentActor, uow: UoW, ding_id: DingId) -> DingRead:
    return await actions.check_cancel_ding(uow, actor, ding_id)


@router.get("/ding/settings")
async def get_ding_settings(actor: CurrentActor, session: ReadSession) -> DingSettingsRead:
    return await queries.get_settings(session, actor)


@router.put("/ding/settings")
async def update_ding_settings(actor: CurrentActor, uow: UoW, body: DingSettingsUpdate) -> DingSettingsRead:
    return await actions.check_update_settings(uow, actor, body)
