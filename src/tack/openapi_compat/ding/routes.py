"""DING create at DingTalk's paths: the TOP method `dingtalk.oapi.ding.create` (dingtalk-sdk's
tbdingding.dingtalk_oapi_ding_create) and POST /topapi/ding/create, through DING's own send
(tack.ding.actions.check_send_ding) on behalf of `creator_userid`: the org's DING settings
(who may send, SMS / call permission, the daily limit) apply to that member as in the web client.

Parameters: creator_userid, receiver_userids (comma-joined, ≤ 1000), remind_type (1 in-app,
2 SMS, 3 call), remind_time (ms; in the future → scheduled, else now), text_content,
attachment (a link, optional). Answer: `result.open_ding_id`. Scope: ding.send.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from tack.core.clock import utc_now
from tack.ding.actions import check_send_ding
from tack.ding.schemas import MAX_TEXT, DingCreate
from tack.openapi_compat import errors, top
from tack.openapi_compat.apps import scopes
from tack.openapi_compat.auth import OapiApp, require_scope
from tack.openapi_compat.contact import ids
from tack.openapi_compat.members import member_actor
from tack.openapi_compat.params import Params
from tack.openapi_compat.tokens import AppCaller
from tack.storage.deps import get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(tags=["dingtalk"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]

DING_SEND = "ding.send"
scopes.define(DING_SEND, "DING：以成员身份发送 DING")
CHANNELS = {1: "in_app", 2: "sms", 3: "call"}
MAX_RECEIVERS = 1000


async def _create(uow: UnitOfWork, caller: AppCaller, params: Params) -> str:
    creator = params.text("creator_userid", required=True, max_length=64)
    receivers = []
    for value in params.str_list("receiver_userids", max_items=MAX_RECEIVERS):
        member = ids.member_id_of(value)
        if member is None:
            raise params.invalid("receiver_userids", f"不合法的 userid {value}")
        receivers.append(member)
    if not receivers:
        raise params.missing("receiver_userids")
    remind_type = params.integer("remind_type", default=1, low=1, high=3)
    text = params.text("text_content", required=True, max_length=MAX_TEXT)
    send_at = None
    if params.has("remind_time"):
        when = datetime.fromtimestamp(params.integer("remind_time", low=0, high=2**47) / 1000, UTC)
        send_at = when if when > utc_now() else None
    raw = params.values.get("attachment")
    link = None
    if isinstance(raw, dict):
        link = raw.get("url") or raw.get("link")
    elif isinstance(raw, str) and raw.strip().startswith("{"):
        parsed = params.json_value("attachment")
        link = parsed.get("url") or parsed.get("link") if isinstance(parsed, dict) else None
    elif isinstance(raw, str) and raw.strip().lower().startswith(("http://", "https://")):
        link = raw.strip()
    try:
        body = DingCreate(member_ids=receivers, text=text, channel=CHANNELS[remind_type], send_at=send_at,  # type: ignore[arg-type]
                          attachment=link or None)
    except ValidationError:
        raise params.invalid("attachment") from None
    actor = await member_actor(uow.session, caller, creator)
    sent = await check_send_ding(uow, actor, body)
    return str(sent.ding.id)


@top.register("dingtalk.oapi.ding.create", scope=DING_SEND)
async def top_create(call: top.TopCall) -> dict[str, Any]:
    return top.ok(result={"open_ding_id": await _create(call.uow, call.caller, call.params)})


@router.post("/topapi/ding/create")
async def topapi_create(request: Request, caller: OapiApp, uow: UoW) -> JSONResponse:
    require_scope(caller, DING_SEND, "topapi")
    params = await Params.of(request, "topapi")
    return JSONResponse(errors.oapi_ok(result={"open_ding_id": await _create(uow, caller, params)}))
