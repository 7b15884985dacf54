"""The app robot's /v1.0 API (robot_1_0 of the official SDK): `robotCode` is the calling app's
own key (an app speaks only as its own robot).

- POST /v1.0/robot/groupMessages/send {robotCode, openConversationId, msgKey, msgParam}: the
  app's robot in that group (a group robot linked to the app, see robots.models) posts the
  message, with the robot's rate limit; answers {processQueryKey}.
- POST /v1.0/robot/oToMessages/batchSend {robotCode, userIds ≤ 20, msgKey, msgParam}: one-to-one
  messages. Tack has no robot 1:1 chat yet, so they land in each member's 工作通知
  conversation from the app, delivered by the work-notification jobs; answers
  {processQueryKey, invalidStaffIdList, flowControlledStaffIdList, filteredStaffIdList}.
- GET /v1.0/robot/oToMessages/readStatus?robotCode&processQueryKey: {sendStatus,
  messageReadInfoList}.

msgKey / msgParam (a JSON *string*): sampleText {content}, sampleMarkdown {title, text},
sampleLink {title, text, messageUrl, picUrl}, sampleImageMsg {photoURL} (group only),
sampleActionCard {title, text, singleTitle, singleURL}, sampleActionCard2…5 {title, text,
actionTitleN, actionURLN}. Scope robot.send.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from tack.openapi_compat import errors
from tack.openapi_compat.apps import scopes
from tack.openapi_compat.apps.repository import AppRepository
from tack.openapi_compat.auth import V1App, require_scope
from tack.openapi_compat.errors import V1Error
from tack.openapi_compat.params import Params
from tack.openapi_compat.robots import actions
from tack.openapi_compat.robots import errors as robot_errors
from tack.openapi_compat.robots.reads import conversation_id_of
from tack.openapi_compat.tokens import AppCaller
from tack.openapi_compat.work_notices import actions as work_notices
from tack.openapi_compat.work_notices import queries as work_notice_queries
from tack.storage.deps import get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(tags=["dingtalk"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]

ROBOT_SEND = "robot.send"
scopes.define(ROBOT_SEND, "机器人：以应用机器人身份发消息（群聊、单聊）")
MAX_OTO_USERS = 20
MAX_TEXT = 20000


def _param(params: Params) -> tuple[str, dict[str, Any]]:
    key = params.text("msgKey", required=True, max_length=64)
    value = params.json_value("msgParam", required=True)
    if not isinstance(value, dict):
        raise errors.V1Error(400, "invalidParameter.msgParam.invalid", "msgParam 应为 JSON 对象字符串")
    return key, value


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _buttons(p: dict[str, Any]) -> list[tuple[str, str]]:
    return [(_s(p.get(f"actionTitle{i}")), _s(p.get(f"actionURL{i}"))) for i in range(1, 6) if p.get(f"actionTitle{i}")]


def _text_markdown_link(key: str, p: dict[str, Any]) -> dict[str, Any] | None:
    """The msgKeys whose body is the same for a group robot and a work notification."""
    if key == "sampleText":
        return {"msgtype": "text", "text": {"content": _s(p.get("content"))}}
    if key == "sampleMarkdown":
        return {"msgtype": "markdown", "markdown": {"title": _s(p.get("title")), "text": _s(p.get("text"))}}
    if key == "sampleLink":
        return {"msgtype": "link", "link": {"title": _s(p.get("title")), "text": _s(p.get("text")),
                                            "messageUrl": _s(p.get("messageUrl")), "picUrl": _s(p.get("picUrl"))}}
    return None


def webhook_body(key: str, p: dict[str, Any]) -> dict[str, Any]:
    """msgKey + msgParam → the custom-robot webhook body robots.messages parses."""
    if (same := _text_markdown_link(key, p)) is not None:
        return same
    if key == "sampleImageMsg":
        return {"msgtype": "image", "image": {"picURL": _s(p.get("photoURL"))}}
    if key == "sampleActionCard":
        return {"msgtype": "actionCard", "actionCard": {"title": _s(p.get("title")), "text": _s(p.get("text")),
                                                        "singleTitle": _s(p.get("singleTitle")), "singleURL": _s(p.get("singleURL"))}}
    if key in ("sampleActionCard2", "sampleActionCard3", "sampleActionCard4", "sampleActionCard5"):
        return {"msgtype": "actionCard", "actionCard": {"title": _s(p.get("title")), "text": _s(p.get("text")),
                                                        "btns": [{"title": t, "actionURL": u} for t, u in _buttons(p)]}}
    raise V1Error(400, "invalidParameter.msgKey.notSupported", f"不支持的 msgKey：{key}")


def work_notice_msg(key: str, p: dict[str, Any]) -> dict[str, Any]:
    """msgKey + msgParam → a work-notification `msg` (work_notices.messages)."""
    if (same := _text_markdown_link(key, p)) is not None:
        return same
    if key == "sampleActionCard":
        return {"msgtype": "action_card", "action_card": {"title": _s(p.get("title")), "markdown": _s(p.get("text")),
                                                          "single_title": _s(p.get("singleTitle")), "single_url": _s(p.get("singleURL"))}}
    if key in ("sampleActionCard2", "sampleActionCard3", "sampleActionCard4", "sampleActionCard5"):
        return {"msgtype": "action_card", "action_card": {"title": _s(p.get("title")), "markdown": _s(p.get("text")),
                                                          "btn_json_list": [{"title": t, "action_url": u} for t, u in _buttons(p)]}}
    raise V1Error(400, "invalidParameter.msgKey.notSupported", f"单聊不支持的 msgKey：{key}")


async def _caller(request: Request, caller: AppCaller, uow: UnitOfWork) -> Params:
    require_scope(caller, ROBOT_SEND, "v1")
    params = await Params.of(request, "v1")
    code = params.text("robotCode", required=True, max_length=64)
    app = await AppRepository(uow.session, caller.org_id).get(caller.app_id)
    if app is None or code != app.app_key:
        raise V1Error(400, "invalidParameter.robotCode.invalid", "robotCode 无效：应为本应用的 AppKey")
    return params


def _robot_error(exc: robot_errors.RobotError) -> V1Error:
    if exc.errcode in (130101, 660026):
        return V1Error(403, "Forbidden.AccessDenied.QpsLimitForApi", exc.errmsg)
    return V1Error(400, "invalidParameter.message.invalid", exc.errmsg)


@router.post("/v1.0/robot/groupMessages/send")
async def group_send(request: Request, caller: V1App, uow: UoW) -> JSONResponse:
    params = await _caller(request, caller, uow)
    open_id = params.text("openConversationId", required=True, max_length=64)
    key, value = _param(params)
    body = webhook_body(key, value)
    conversation_id = conversation_id_of(open_id)
    try:
        message = await actions.check_app_group_send(uow, caller.org_id, caller.app_id, conversation_id, body, max_text=MAX_TEXT) \
            if conversation_id is not None else None
    except robot_errors.RobotError as exc:
        raise _robot_error(exc) from None
    if message is None:
        raise V1Error(400, "invalidParameter.openConversationId.notExist", "机器人不在该群中，或群不存在")
    return JSONResponse({"processQueryKey": f"msg{message.id}"})


@router.post("/v1.0/robot/oToMessages/batchSend")
async def oto_batch_send(request: Request, caller: V1App, uow: UoW) -> JSONResponse:
    params = await _caller(request, caller, uow)
    users = params.str_list("userIds", max_items=MAX_OTO_USERS)
    if not users:
        raise params.missing("userIds")
    key, value = _param(params)
    task_id = await work_notices.check_send_work_notice(uow, caller, msg=work_notice_msg(key, value), userids=users,
                                                        dept_ids=[], to_all=False)
    result = await work_notice_queries.get_result(uow.session, caller, task_id)
    return JSONResponse({"processQueryKey": str(task_id), "invalidStaffIdList": result.invalid_user_ids,
                         "flowControlledStaffIdList": [], "filteredStaffIdList": result.forbidden_user_ids})


@router.get("/v1.0/robot/oToMessages/readStatus")
async def oto_read_status(request: Request, caller: V1App, uow: UoW) -> JSONResponse:
    params = await _caller(request, caller, uow)
    key = params.text("processQueryKey", required=True, max_length=32)
    if not key.isdigit():
        raise V1Error(400, "invalidParameter.processQueryKey.invalid", "processQueryKey 无效")
    progress = await work_notice_queries.get_progress(uow.session, caller, int(key))
    result = await work_notice_queries.get_result(uow.session, caller, int(key))
    info = [{"userId": u, "readStatus": "READ"} for u in result.read_user_ids] + \
        [{"userId": u, "readStatus": "UNREAD"} for u in result.unread_user_ids]
    return JSONResponse({"sendStatus": "COMPLETE" if progress.status == 2 else "PROCESSING", "messageReadInfoList": info})


