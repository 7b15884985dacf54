"""Users and departments at DingTalk's paths: old oapi (dingtalk-sdk), /topapi (newer oapi
clients) and /v1.0 (the official SDK). Each route reads its parameters, asks contact.queries,
and shapes the answer (returned as a ready JSONResponse: FastAPI then skips re-encoding the
dict, which is a large part of a hot read's cost); failures answer in the path's DingTalk style (errors.py)."""

from typing import Annotated, Any

from fastapi.responses import JSONResponse
from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from tack.openapi_compat import errors
from tack.openapi_compat.apps.scopes import CONTACT_READ
from tack.openapi_compat.auth import OapiApp, V1App, lean_oapi_caller, require_scope
from tack.openapi_compat.contact import ids, queries
from tack.openapi_compat.params import Params
from tack.storage.deps import get_read_session, single_read

router = APIRouter(tags=["dingtalk"])
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]


async def _oapi(request: Request, caller: Any, style: errors.Style = "oapi") -> Params:
    require_scope(caller, CONTACT_READ, style)
    return await Params.of(request, style)


# --- old oapi (GET with query parameters; whole object + errcode) ---------------------------


@router.get("/user/get")
async def user_get(request: Request) -> JSONResponse:
    """On the lean lane (LEAN below): the same checks in the same order as every oapi route
    (token, scope, parameters, the member), without the dependency chain or an ORM session:
    one statement on a bare connection (storage.deps.single_read)."""
    caller = await lean_oapi_caller(request)
    params = await _oapi(request, caller)
    userid = params.text("userid", required=True, max_length=64)
    user = await single_read(request, lambda db: queries.user_of(db, caller, userid))
    return JSONResponse(errors.oapi_ok(**queries.oapi_user(user)))


@router.get("/user/getUseridByUnionid")
async def user_by_unionid(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    params = await _oapi(request, caller)
    user = await queries.user_by_unionid(session, caller, params.text("unionid", required=True, max_length=64))
    return JSONResponse(errors.oapi_ok(userid=user.userid, contactType=0))


async def _user_page(request: Request, caller: Any, session: AsyncSession, style: errors.Style = "oapi") -> queries.UserPage:
    params = await _oapi(request, caller, style)
    return await queries.list_users(
        session,
        caller,
        department=params.integer("department_id", required=True, low=1),
        offset=params.integer("offset", default=0, high=10**9),
        size=params.integer("size", default=100, low=1, high=100),
    )


@router.get("/user/list")
@router.get("/user/listbypage")
async def user_list(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    page = await _user_page(request, caller, session)
    return JSONResponse(errors.oapi_ok(hasMore=page.next_offset is not None, userlist=[queries.oapi_user(u) for u in page.users]))


@router.get("/user/simplelist")
async def user_simplelist(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    page = await _user_page(request, caller, session)
    return JSONResponse(errors.oapi_ok(
        hasMore=page.next_offset is not None, userlist=[{"userid": u.userid, "name": u.read.name} for u in page.users]
    ))


@router.get("/user/getDeptMember")
async def user_dept_member(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    """Every userid of one department (direct members), in pages of 100 read here."""
    params = await _oapi(request, caller)
    department = params.integer("deptId", required=True, low=1)
    userids: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = await queries.list_users(session, caller, department=department, offset=offset, size=queries.MAX_PAGE)
        userids += [u.userid for u in page.users]
        offset = page.next_offset
    return JSONResponse(errors.oapi_ok(userIds=userids))


@router.get("/user/get_org_user_count")
async def user_count(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    await _oapi(request, caller)
    return JSONResponse(errors.oapi_ok(count=await queries.count_users(session, caller)))


@router.get("/department/list")
async def department_list(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    params = await _oapi(request, caller)
    departments = await queries.list_departments(
        session, caller, params.integer("id", default=ids.ROOT, low=1), recursive=params.flag("fetch_child")
    )
    return JSONResponse(errors.oapi_ok(department=[queries.oapi_department(d) for d in departments]))


@router.get("/department/list_ids")
async def department_list_ids(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    params = await _oapi(request, caller)
    departments = await queries.list_departments(session, caller, params.integer("id", required=True, low=1), recursive=False)
    return JSONResponse(errors.oapi_ok(sub_dept_id_list=[d.id for d in departments]))


@router.get("/department/get")
async def department_get(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    params = await _oapi(request, caller)
    department = await queries.get_department(session, caller, params.integer("id", required=True, low=1))
    return JSONResponse(errors.oapi_ok(**queries.oapi_department(department)))


# Hot paths served by the lean lane before the router (openapi_compat/lane.py, main.py).
LEAN = {("GET", "/user/get"): user_get}


# --- /topapi (POST, JSON or form body; answer in `result`) ---------------------------------


@router.post("/topapi/v2/user/get")
async def topapi_user_get(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    params = await _oapi(request, caller, "topapi")
    user = await queries.get_user(session, caller, params.text("userid", required=True, max_length=64))
    return JSONResponse(errors.oapi_ok(result=queries.topapi_user(user)))


@router.post("/topapi/user/getbyunionid")
async def topapi_user_by_unionid(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    params = await _oapi(request, caller, "topapi")
    user = await queries.user_by_unionid(session, caller, params.text("unionid", required=True, max_length=64))
    return JSONResponse(errors.oapi_ok(result={"userid": user.userid, "contact_type": 0}))


async def _topapi_page(request: Request, caller: Any, session: AsyncSession) -> tuple[queries.UserPage, int]:
    params = await _oapi(request, caller, "topapi")
    cursor = params.integer("cursor", default=0, high=10**9)
    page = await queries.list_users(
        session, caller, department=params.integer("dept_id", required=True, low=1),
        offset=cursor, size=params.integer("size", default=100, low=1, high=100),
    )
    return page, cursor


@router.post("/topapi/v2/user/list")
async def topapi_user_list(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    page, _ = await _topapi_page(request, caller, session)
    result: dict[str, Any] = {"has_more": page.next_offset is not None, "list": [queries.topapi_user(u) for u in page.users]}
    if page.next_offset is not None:
        result["next_cursor"] = page.next_offset
    return JSONResponse(errors.oapi_ok(result=result))


@router.post("/topapi/user/listsimple")
async def topapi_user_listsimple(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    page, _ = await _topapi_page(request, caller, session)
    result: dict[str, Any] = {
        "has_more": page.next_offset is not None,
        "list": [{"userid": u.userid, "name": u.read.name} for u in page.users],
    }
    if page.next_offset is not None:
        result["next_cursor"] = page.next_offset
    return JSONResponse(errors.oapi_ok(result=result))


@router.post("/topapi/user/count")
async def topapi_user_count(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    await _oapi(request, caller, "topapi")
    return JSONResponse(errors.oapi_ok(result={"count": await queries.count_users(session, caller)}))


@router.post("/topapi/v2/department/listsub")
async def topapi_department_listsub(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    params = await _oapi(request, caller, "topapi")
    departments = await queries.list_departments(session, caller, params.integer("dept_id", default=ids.ROOT, low=1), recursive=False)
    return JSONResponse(errors.oapi_ok(result=[queries.topapi_department(d) for d in departments]))


@router.post("/topapi/v2/department/listsubid")
async def topapi_department_listsubid(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    params = await _oapi(request, caller, "topapi")
    departments = await queries.list_departments(session, caller, params.integer("dept_id", default=ids.ROOT, low=1), recursive=False)
    return JSONResponse(errors.oapi_ok(result={"dept_id_list": [d.id for d in departments]}))


@router.post("/topapi/v2/department/get")
async def topapi_department_get(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    params = await _oapi(request, caller, "topapi")
    department = await queries.get_department(session, caller, params.integer("dept_id", required=True, low=1))
    return JSONResponse(errors.oapi_ok(result=queries.topapi_department(department)))


# --- /v1.0 (official SDK: token header, camelCase bodies, no envelope) ---------------------


@router.get("/v1.0/contact/users/{union_id}")
async def v1_get_user(request: Request, union_id: str, caller: V1App, session: ReadSession) -> JSONResponse:
    """DingTalk serves this with a user token (and `me`); Tack has no user tokens yet, so an app
    reads any member by unionId (`me` is not found)."""
    require_scope(caller, CONTACT_READ, "v1")
    user = await queries.user_by_unionid(session, caller, union_id[:64])
    out: dict[str, Any] = {
        "nick": user.read.name,
        "unionId": user.unionid,
        "openId": user.unionid,
        "email": user.read.email or "",
        "avatarUrl": "",
        "stateCode": "86",
        "visitor": False,
    }
    if user.mobile:
        out["mobile"] = user.mobile
    return JSONResponse(out)


@router.post("/v1.0/contact/users/search")
async def v1_search_users(request: Request, caller: V1App, session: ReadSession) -> JSONResponse:
    require_scope(caller, CONTACT_READ, "v1")
    params = await Params.of(request, "v1")
    word = params.text("queryWord", required=True, max_length=100)
    offset = params.integer("offset", default=0, high=10**9)
    page = await queries.list_users(session, caller, department=None, query=word, offset=offset,
                                    size=params.integer("size", default=10, low=1, high=100))
    return JSONResponse({"hasMore": page.next_offset is not None, "totalCount": page.total, "list": [u.userid for u in page.users]})


@router.post("/v1.0/contact/departments/search")
async def v1_search_departments(request: Request, caller: V1App, session: ReadSession) -> JSONResponse:
    require_scope(caller, CONTACT_READ, "v1")
    params = await Params.of(request, "v1")
    word = params.text("queryWord", required=True, max_length=100)
    offset = params.integer("offset", default=0, high=10**9)
    size = params.integer("size", default=10, low=1, high=100)
    found = await queries.search_departments(session, caller, word)
    return JSONResponse({"hasMore": offset + size < len(found), "totalCount": len(found), "list": found[offset : offset + size]})
