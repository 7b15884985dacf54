"""Robot routes: management under Tack's /api/v1 (group owners and admins), and DingTalk's
own webhook paths at the root (`/robot/send`, `/robot/sendBySession`).

The webhook paths answer every call with HTTP 200 and DingTalk's {errcode, errmsg}, never a
422 or a 500: they read the query string and body themselves, and run their unit of work
inside the route so that a refusal still commits what it must (a robot's rate pause) while
an unexpected failure rolls back and answers errcode -1 (DingTalk's "system busy").
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from tack.chat.limits import ChatLimits
from tack.directory.auth import CurrentActor
from tack.directory.schemas import MAX_ID
from tack.openapi_compat.robots import actions, errors, queries
from tack.openapi_compat.robots.schemas import RobotCreate, RobotList, RobotRead, RobotUpdate
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

log = logging.getLogger("tack.robots")

router = APIRouter(prefix="/api/v1/orgs/{org_id}/conversations/{conversation_id}/robots", tags=["robots"])
webhook_router = APIRouter(tags=["robots (DingTalk webhook)"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]
ConversationId = Annotated[int, Path(ge=1, le=MAX_ID)]
RobotId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _base_url(request: Request) -> str:
    return str(request.base_url)


@router.post("", status_code=201)
async def create_robot(request: Request, actor: CurrentActor, uow: UoW, conversation_id: ConversationId, body: RobotCreate) -> RobotRead:
    return await actions.check_create_robot(uow, actor, conversation_id, body, base_url=_base_url(request))


@router.get("")
async def list_robots(request: Request, actor: CurrentActor, session: ReadSession, conversation_id: ConversationId) -> RobotList:
    return await queries.list_robots(session, actor, conversation_id, base_url=_base_url(request))


@router.get("/{robot_id}")
async def get_robot(
    request: Request, actor: CurrentActor, session: ReadSession, conversation_id: ConversationId, robot_id: RobotId
) -> RobotRead:
    return await queries.get_robot(session, actor, conversation_id, robot_id, base_url=_base_url(request))


@router.patch("/{robot_id}")
async def update_robot(
    request: Request, actor: CurrentActor, uow: UoW, conversation_id: ConversationId, robot_id: RobotId, body: RobotUpdate
) -> RobotRead:
    return await actions.check_update_robot(uow, actor, conversation_id, robot_id, body, base_url=_base_url(request))


@router.delete("/{robot_id}", status_code=204, response_class=Response)
async def delete_robot(actor: CurrentActor, uow: UoW, conversation_id: ConversationId, robot_id: RobotId) -> None:
    await actions.check_delete_robot(uow, actor, conversation_id, robot_id)


# --- DingTalk's webhook paths -------------------------------------------------------------


async def _answer(request: Request, call: Callable[[UnitOfWork], Awaitable[None]]) -> dict[str, Any]:
    refused: errors.RobotError | None = None
    try:
        async with request.app.state.uow_factory() as uow:
            try:
                await call(uow)
            except errors.RobotError as exc:
                refused = exc  # committed: only a rate pause can have been written
    except Exception:
        log.exception("robot webhook failed")
        return {"errcode": -1, "errmsg": "系统繁忙"}
    return refused.body() if refused else dict(errors.OK)


def _max_text(request: Request) -> int:
    limits: ChatLimits = request.app.state.chat_limits
    return limits.max_text_chars


@webhook_router.post("/robot/send")
async def robot_send(request: Request) -> JSONResponse:
    """DingTalk custom robot webhook: `?access_token=…[&timestamp=…&sign=…]`, JSON body with
    `msgtype` text | markdown | link | actionCard | feedCard | image. Always HTTP 200 with
    {errcode, errmsg}."""
    query = request.query_params
    raw = await request.body()
    client_ip = request.client.host if request.client else None
    return JSONResponse(await _answer(
        request,
        lambda uow: actions.check_webhook_send(
            uow,
            access_token=query.get("access_token"),
            timestamp=query.get("timestamp"),
            sign=query.get("sign"),
            client_ip=client_ip,
            raw_body=raw,
            max_text=_max_text(request),
        ),
    ))


@webhook_router.post("/robot/sendBySession")
async def robot_send_by_session(request: Request) -> JSONResponse:
    """An outgoing robot's reply through the sessionWebhook it was handed (valid 90 minutes)."""
    raw = await request.body()
    session = request.query_params.get("session")
    return JSONResponse(await _answer(
        request, lambda uow: actions.check_session_send(uow, session=session, raw_body=raw, max_text=_max_text(request))
    ))


# The webhooks take only the Request and answer every call themselves: served before the
# router by the lean lane (openapi_compat/lane.py, main.py), which saves the route lookup.
LEAN = {("POST", "/robot/send"): robot_send, ("POST", "/robot/sendBySession"): robot_send_by_session}
