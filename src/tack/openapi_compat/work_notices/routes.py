"""Work notifications at DingTalk's paths: TOP methods (dingtalk-sdk) and /topapi (newer
clients). Both read the same parameters: agent_id, userid_list, dept_id_list, to_all_user, msg."""

from typing import Annotated, Any

from fastapi.responses import JSONResponse
from fastapi import APIRouter, Depends, Request

from tack.openapi_compat import errors, top
from tack.openapi_compat.apps.scopes import WORK_NOTICE
from tack.openapi_compat.auth import OapiApp, require_scope
from tack.openapi_compat.params import Params
from tack.openapi_compat.tokens import AppCaller
from tack.openapi_compat.work_notices import actions, queries
from tack.storage.deps import get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(tags=["dingtalk"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]


def _agent(params: Params, caller: AppCaller) -> None:
    """agent_id must be the calling app's own (DingTalk refuses another app's agent)."""
    if params.integer("agent_id", required=True, low=1) != caller.agent_id:
        raise params.invalid("agent_id", "not the agent of this access token")


async def _send(params: Params, caller: AppCaller, uow: UnitOfWork) -> int:
    _agent(params, caller)
    dept_ids = []
    for value in params.str_list("dept_id_list", max_items=actions.MAX_DEPTS):
        if not value.isdigit() or len(value) > 19:
            raise params.invalid("dept_id_list", "department ids are numbers")
        dept_ids.append(int(value))
    return await actions.check_send_work_notice(
        uow,
        caller,
        msg=params.json_value("msg", required=True),
        userids=params.str_list("userid_list", max_items=actions.MAX_USERS),
        dept_ids=dept_ids,
        to_all=params.flag("to_all_user"),
    )


def _task(params: Params) -> int:
    return params.integer("task_id", required=True, low=1) if params.has("task_id") else params.integer("msg_task_id", required=True, low=1)


def _progress(p: queries.Progress) -> dict[str, Any]:
    return {"progress_in_percent": p.percent, "status": p.status}


def _result(r: queries.SendResult) -> dict[str, Any]:
    return {
        "invalid_user_id_list": r.invalid_user_ids,
        "invalid_dept_id_list": r.invalid_dept_ids,
        "forbidden_user_id_list": r.forbidden_user_ids,
        "failed_user_id_list": r.failed_user_ids,
        "read_user_id_list": r.read_user_ids,
        "unread_user_id_list": r.unread_user_ids,
        "forbidden_list": [],
    }


# --- TOP (dingtalk-sdk's message.asyncsend_v2 / getsendprogress / getsendresult) -----------


@top.register("dingtalk.oapi.message.corpconversation.asyncsend_v2", scope=WORK_NOTICE)
async def top_asyncsend(call: top.TopCall) -> dict[str, Any]:
    return top.ok(task_id=await _send(call.params, call.caller, call.uow))


@top.register("dingtalk.corp.message.corpconversation.getsendprogress", scope=WORK_NOTICE)
@top.register("dingtalk.oapi.message.corpconversation.getsendprogress", scope=WORK_NOTICE)
async def top_progress(call: top.TopCall) -> dict[str, Any]:
    _agent(call.params, call.caller)
    return top.ok_result(progress=_progress(await queries.get_progress(call.uow.session, call.caller, _task(call.params))))


@top.register("dingtalk.corp.message.corpconversation.getsendresult", scope=WORK_NOTICE)
@top.register("dingtalk.oapi.message.corpconversation.getsendresult", scope=WORK_NOTICE)
async def top_result(call: top.TopCall) -> dict[str, Any]:
    if call.params.has("agent_id"):
        _agent(call.params, call.caller)
    return top.ok_result(send_result=_result(await queries.get_result(call.uow.session, call.caller, _task(call.params))))


top.not_supported("dingtalk.oapi.message.corpconversation.recall", "work notification recall")


# --- /topapi ------------------------------------------------------------------------------


async def _topapi(request: Request, caller: AppCaller) -> Params:
    require_scope(caller, WORK_NOTICE, "topapi")
    return await Params.of(request, "topapi")


@router.post("/topapi/message/corpconversation/asyncsend_v2")
async def topapi_asyncsend(request: Request, caller: OapiApp, uow: UoW) -> JSONResponse:
    return JSONResponse(errors.oapi_ok(task_id=await _send(await _topapi(request, caller), caller, uow)))


@router.post("/topapi/message/corpconversation/getsendprogress")
async def topapi_progress(request: Request, caller: OapiApp, uow: UoW) -> JSONResponse:
    params = await _topapi(request, caller)
    _agent(params, caller)
    return JSONResponse(errors.oapi_ok(progress=_progress(await queries.get_progress(uow.session, caller, _task(params)))))


@router.post("/topapi/message/corpconversation/getsendresult")
async def topapi_result(request: Request, caller: OapiApp, uow: UoW) -> JSONResponse:
    params = await _topapi(request, caller)
    if params.has("agent_id"):
        _agent(params, caller)
    return JSONResponse(errors.oapi_ok(send_result=_result(await queries.get_result(uow.session, caller, _task(params)))))
