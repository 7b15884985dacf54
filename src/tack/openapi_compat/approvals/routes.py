"""Approval instances at DingTalk's paths.

| call                                   | TOP method (dingtalk-sdk)                          | /topapi, /v1.0                                   |
|----------------------------------------|----------------------------------------------------|--------------------------------------------------|
| create                                 | dingtalk.oapi.processinstance.create (+ smartwork) | POST /topapi/processinstance/create, POST /v1.0/workflow/processInstances |
| get                                    | dingtalk.smartwork.bpms.processinstance.get, dingtalk.oapi.processinstance.get | POST /topapi/processinstance/get, GET /v1.0/workflow/processInstances |
| instance ids of a template             | dingtalk.oapi.processinstance.listids              | POST /topapi/processinstance/listids, POST /v1.0/workflow/processes/instanceIds/query |
| instances of a template                | dingtalk.smartwork.bpms.processinstance.list       | —                                                |
| templates a member may use             | dingtalk.oapi.process.listbyuserid                 | POST /topapi/process/listbyuserid                |

Every call needs the app scope `workflow.instance`.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from tack.openapi_compat import errors, top
from tack.openapi_compat.approvals import actions, queries, wire
from tack.openapi_compat.apps.scopes import APPROVAL
from tack.openapi_compat.auth import OapiApp, V1App, require_scope
from tack.openapi_compat.contact import ids
from tack.openapi_compat.params import Params
from tack.openapi_compat.tokens import AppCaller
from tack.storage.deps import get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(tags=["dingtalk"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]

MAX_RANGE = timedelta(days=120)  # DingTalk's limit on a listids time window
MAX_IDS_PAGE = 20
MAX_LIST_PAGE = 10

errors.APP_ERROR_CODES.update({
    "approval_not_found": (40035, "不合法的参数 process_instance_id：审批实例不存在"),
    "approval_template_not_found": (40035, "不合法的参数 process_code：审批模板不存在或发起人不可使用"),
    "approval_unknown_members": (60121, "找不到该用户"),
    "approval_insufficient_balance": (40035, "假期余额不足"),
    "approval_duplicate_invoice": (40035, "发票已在其他报销中使用"),
})


def _ms(params: Params, name: str, *, required: bool) -> datetime | None:
    if not required and not params.has(name):
        return None
    value = params.integer(name, required=required, low=0, high=2**47)
    return datetime.fromtimestamp(value / 1000, UTC)


async def _list_ids(session: AsyncSession, caller: AppCaller, params: Params, names: dict[str, str], limit: int) -> queries.IdPage:
    start = _ms(params, names["start"], required=True)
    assert start is not None
    end = _ms(params, names["end"], required=False) or datetime.now(UTC)
    if end < start or end - start > MAX_RANGE:
        raise params.invalid(names["end"], "时间范围须在 120 天以内且结束不早于开始")
    userids = params.str_list(names["users"], max_items=10)
    submitters = []
    for u in userids:
        member = ids.member_id_of(u)
        if member is None:
            raise params.invalid(names["users"], f"不合法的 userid {u}")
        submitters.append(member)
    cursor = params.integer(names["cursor"], default=0, low=0, high=2**53) if params.has(names["cursor"]) else 0
    return await queries.list_ids(
        session, caller, code=params.text(names["code"], required=True, max_length=64), start=start, end=end,
        submitters=submitters or None, cursor=cursor, size=params.integer(names["size"], default=limit, low=1, high=limit),
    )


SNAKE_LIST = {"code": "process_code", "start": "start_time", "end": "end_time", "users": "userid_list",
              "cursor": "cursor", "size": "size"}
CAMEL_LIST = {"code": "processCode", "start": "startTime", "end": "endTime", "users": "userIds",
              "cursor": "nextToken", "size": "maxResults"}


def _instance_id(params: Params, name: str) -> str:
    return params.text(name, required=True, max_length=64)


# --- TOP (dingtalk-sdk) ----------------------------------------------------------------------


@top.register("dingtalk.oapi.processinstance.create", scope=APPROVAL)
async def top_create(call: top.TopCall) -> dict[str, Any]:
    return top.ok(process_instance_id=str(await actions.check_create_instance(call.uow, call.caller, call.params)))


@top.register("dingtalk.smartwork.bpms.processinstance.create", scope=APPROVAL)
async def top_create_smartwork(call: top.TopCall) -> dict[str, Any]:
    return top.ok_result(process_instance_id=str(await actions.check_create_instance(call.uow, call.caller, call.params)))


async def _old_instance(call: top.TopCall) -> dict[str, Any]:
    shaped = await queries.get_instance(call.uow.session, call.caller, _instance_id(call.params, "process_instance_id"))
    return wire.process_instance(shaped.read, shaped.tz, shaped.department_id)


@top.register("dingtalk.smartwork.bpms.processinstance.get", scope=APPROVAL)
async def top_get_smartwork(call: top.TopCall) -> dict[str, Any]:
    return top.ok_result(process_instance=await _old_instance(call))


@top.register("dingtalk.oapi.processinstance.get", scope=APPROVAL)
async def top_get(call: top.TopCall) -> dict[str, Any]:
    return top.ok(process_instance=await _old_instance(call))


@top.register("dingtalk.oapi.processinstance.listids", scope=APPROVAL)
async def top_listids(call: top.TopCall) -> dict[str, Any]:
    page = await _list_ids(call.uow.session, call.caller, call.params, SNAKE_LIST, MAX_IDS_PAGE)
    return top.ok(result=_ids_result(page))


@top.register("dingtalk.smartwork.bpms.processinstance.list", scope=APPROVAL)
async def top_list(call: top.TopCall) -> dict[str, Any]:
    page = await _list_ids(call.uow.session, call.caller, call.params, SNAKE_LIST, MAX_LIST_PAGE)
    shaped = await queries.get_many(call.uow.session, call.caller, page.ids)
    listed = [wire.process_instance(s.read, s.tz, s.department_id) for s in shaped]
    result: dict[str, Any] = {"list": {"process_instance_top_vo": listed}}
    if page.next_cursor is not None:
        result["next_cursor"] = page.next_cursor
    return top.ok_result(result=result)


@top.register("dingtalk.oapi.process.listbyuserid", scope=APPROVAL)
async def top_templates(call: top.TopCall) -> dict[str, Any]:
    return top.ok(result={"process_list": await queries.templates_of(call.uow.session, call.caller, call.params.text("userid", max_length=64) or None)})


def _ids_result(page: queries.IdPage) -> dict[str, Any]:
    result: dict[str, Any] = {"list": [str(i) for i in page.ids]}
    if page.next_cursor is not None:
        result["next_cursor"] = page.next_cursor
    return result


# --- /topapi ---------------------------------------------------------------------------------


async def _topapi(request: Request, caller: AppCaller) -> Params:
    require_scope(caller, APPROVAL, "topapi")
    return await Params.of(request, "topapi")


@router.post("/topapi/processinstance/create")
async def topapi_create(request: Request, caller: OapiApp, uow: UoW) -> JSONResponse:
    params = await _topapi(request, caller)
    return JSONResponse(errors.oapi_ok(process_instance_id=str(await actions.check_create_instance(uow, caller, params))))


@router.post("/topapi/processinstance/get")
async def topapi_get(request: Request, caller: OapiApp, uow: UoW) -> JSONResponse:
    params = await _topapi(request, caller)
    shaped = await queries.get_instance(uow.session, caller, _instance_id(params, "process_instance_id"))
    return JSONResponse(errors.oapi_ok(process_instance=wire.process_instance(shaped.read, shaped.tz, shaped.department_id)))


@router.post("/topapi/processinstance/listids")
async def topapi_listids(request: Request, caller: OapiApp, uow: UoW) -> JSONResponse:
    params = await _topapi(request, caller)
    return JSONResponse(errors.oapi_ok(result=_ids_result(await _list_ids(uow.session, caller, params, SNAKE_LIST, MAX_IDS_PAGE))))


@router.post("/topapi/process/listbyuserid")
async def topapi_templates(request: Request, caller: OapiApp, uow: UoW) -> JSONResponse:
    params = await _topapi(request, caller)
    listed = await queries.templates_of(uow.session, caller, params.text("userid", max_length=64) or None)
    return JSONResponse(errors.oapi_ok(result={"process_list": listed}))


# --- /v1.0/workflow --------------------------------------------------------------------------


async def _v1(request: Request, caller: AppCaller) -> Params:
    require_scope(caller, APPROVAL, "v1")
    return await Params.of(request, "v1")


@router.post("/v1.0/workflow/processInstances")
async def v1_create(request: Request, caller: V1App, uow: UoW) -> JSONResponse:
    params = await _v1(request, caller)
    instance_id = await actions.check_create_instance(uow, caller, params, actions.CAMEL)
    return JSONResponse({"instanceId": str(instance_id)})


@router.get("/v1.0/workflow/processInstances")
async def v1_get(request: Request, caller: V1App, uow: UoW) -> JSONResponse:
    params = await _v1(request, caller)
    shaped = await queries.get_instance(uow.session, caller, _instance_id(params, "processInstanceId"))
    return JSONResponse({"result": wire.v1_instance(shaped.read, shaped.tz, shaped.department_id), "success": True})


@router.post("/v1.0/workflow/processes/instanceIds/query")
async def v1_list_ids(request: Request, caller: V1App, uow: UoW) -> JSONResponse:
    params = await _v1(request, caller)
    page = await _list_ids(uow.session, caller, params, CAMEL_LIST, MAX_IDS_PAGE)
    result: dict[str, Any] = {"list": [str(i) for i in page.ids]}
    if page.next_cursor is not None:
        result["nextToken"] = str(page.next_cursor)
    return JSONResponse({"result": result, "success": True})
