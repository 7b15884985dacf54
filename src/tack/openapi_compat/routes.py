"""Token endpoints at the root path: `GET /gettoken` (oapi) and `POST /v1.0/oauth2/accessToken`.

How to add DingTalk-style routes (robots, events, other domains):
1. `router = APIRouter(tags=["dingtalk"])` in your module, with root paths (`/robot/send`,
   `/v1.0/...`): DingTalk clients drop any prefix of their base URL.
2. Take the caller from `auth.OapiApp` / `auth.V1App` (or `top.register` for TOP methods),
   read parameters with `params.Params`, and raise the errors of `errors.py`. A new first path
   segment gets its style with `errors.claim_prefix`.
3. Include the router in `tack.main.create_app` beside the others.
"""

from typing import Annotated, Any

from fastapi.responses import JSONResponse
from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from tack.openapi_compat import errors, top
from tack.openapi_compat.auth import client_ip, require_scope, resolve, server_secret
from tack.openapi_compat.params import Params
from tack.openapi_compat.tokens import TokenProblem, issue_token
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(tags=["dingtalk"])
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]


@router.get("/gettoken")
async def gettoken(request: Request, session: ReadSession) -> JSONResponse:
    """`appkey` + `appsecret`; the legacy `corpid` + `corpsecret` pair is read the same way."""
    params = await Params.of(request, "oapi")
    key = params.text("appkey") or params.text("corpid")
    secret = params.text("appsecret") or params.text("corpsecret")
    if not key:
        raise errors.missing_parameter("corpid or appkey")
    if not secret:
        raise errors.missing_parameter("corpsecret or appsecret")
    ip = client_ip(request)
    issued = await issue_token(session, server_secret(request), app_key=key, app_secret=secret, ip=ip)
    if issued is TokenProblem.IP_NOT_ALLOWED:
        raise errors.ip_not_allowed(ip)
    if isinstance(issued, TokenProblem):
        raise errors.invalid_credentials()
    return JSONResponse(errors.oapi_ok(access_token=issued.token, expires_in=issued.expires_in))


@router.post("/v1.0/oauth2/accessToken")
async def v1_access_token(request: Request, session: ReadSession) -> JSONResponse:
    params = await Params.of(request, "v1")
    key = params.text("appKey", required=True)
    secret = params.text("appSecret", required=True)
    ip = client_ip(request)
    issued = await issue_token(session, server_secret(request), app_key=key, app_secret=secret, ip=ip)
    if issued is TokenProblem.IP_NOT_ALLOWED:
        raise errors.v1_ip_not_allowed(ip)
    if isinstance(issued, TokenProblem):
        raise errors.v1_invalid_credentials()
    return JSONResponse({"accessToken": issued.token, "expireIn": issued.expires_in})


# --- TOP gateway ------------------------------------------------------------------------


@router.post("/router/rest")
@router.get("/router/rest")
async def top_gateway(request: Request, uow: UoW) -> JSONResponse:
    params = await Params.of(request, "top")
    method = params.text("method", max_length=200)
    if not method:
        raise errors.TopError(21, "Missing method")
    entry = top.METHODS.get(method)
    if entry is None:
        raise errors.top_invalid_method(method)
    caller = await resolve(request, uow.session, params.text("session", max_length=200) or None, "top")
    if entry.scope is not None:
        require_scope(caller, entry.scope, "top")
    return JSONResponse({top.response_key(method): await entry.handler(top.TopCall(request, caller, params, uow))})
