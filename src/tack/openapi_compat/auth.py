"""Who is calling a DingTalk-style route: FastAPI dependencies that turn a token into the
`AppCaller` behind it, or fail in the route's wire style.

- `OapiApp`: `?access_token=` (old oapi paths and /topapi; a header is not read, as DingTalk).
- `V1App`: the `x-acs-dingtalk-access-token` header (/v1.0; `?access_token=` and
  `Authorization: Bearer` are not accepted, as DingTalk).
- TOP calls (/router/rest) carry the token as `session`: see `top_caller`.

A route then calls `require_scope(caller, scope, style)` for the permission it needs.
"""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from tack.openapi_compat import errors
from tack.openapi_compat.errors import OapiError, Style, TopError, V1Error
from tack.openapi_compat.tokens import AppCaller, TokenProblem, check_token, check_token_lazily
from tack.storage.deps import get_read_session, read_session_opener

ReadSession = Annotated[AsyncSession, Depends(get_read_session)]


def client_ip(request: Request) -> str:
    """The peer address. Behind a reverse proxy, configure the proxy (uvicorn --forwarded-allow-ips)
    so that this is the caller's address, or IP allowlists see only the proxy."""
    return request.client.host if request.client else ""


def server_secret(request: Request) -> str:
    return request.app.state.settings.resolved_secret_key  # type: ignore[no-any-return]


def token_error(problem: TokenProblem, style: Style, ip: str) -> OapiError | V1Error | TopError:
    """A token that failed, in the style of the path it was presented on."""
    if style == "v1":
        return {
            TokenProblem.MISSING: errors.v1_missing_token,
            TokenProblem.IP_NOT_ALLOWED: lambda: errors.v1_ip_not_allowed(ip),
        }.get(problem, errors.v1_invalid_token)()
    if style == "top":
        if problem is TokenProblem.IP_NOT_ALLOWED:
            return errors.top_from_oapi(errors.ip_not_allowed(ip))
        return errors.top_invalid_session()
    inner = {
        TokenProblem.MISSING: errors.missing_token,
        TokenProblem.EXPIRED: errors.expired_token,
        TokenProblem.IP_NOT_ALLOWED: lambda: errors.ip_not_allowed(ip),
    }.get(problem, errors.invalid_token)()
    if style == "topapi" and problem is not TokenProblem.IP_NOT_ALLOWED:
        return errors.topapi_token_error(inner)
    return inner


async def resolve(request: Request, session: AsyncSession, token: str | None, style: Style) -> AppCaller:
    ip = client_ip(request)
    result = await check_token(session, server_secret(request), token, ip=ip)
    if isinstance(result, TokenProblem):
        raise token_error(result, style, ip)
    return result


async def oapi_caller(request: Request, session: ReadSession) -> AppCaller:
    style = errors.style_of(request.url.path) or "oapi"
    return await resolve(request, session, request.query_params.get("access_token"), style)


async def lean_oapi_caller(request: Request) -> AppCaller:
    """`oapi_caller` for the lean lane (lane.py): no session is held for the request; one is
    opened only when the app's state is not cached (see tokens.py)."""
    style = errors.style_of(request.scope["path"]) or "oapi"
    ip = client_ip(request)
    result = await check_token_lazily(
        read_session_opener(request), server_secret(request), request.query_params.get("access_token"), ip=ip
    )
    if isinstance(result, TokenProblem):
        raise token_error(result, style, ip)
    return result


async def v1_caller(request: Request, session: ReadSession) -> AppCaller:
    return await resolve(request, session, request.headers.get("x-acs-dingtalk-access-token"), "v1")


def require_scope(caller: AppCaller, scope: str, style: Style) -> None:
    if scope in caller.scopes:
        return
    if style == "v1":
        raise errors.v1_no_permission(scope)
    if style == "top":
        raise errors.top_from_oapi(errors.no_permission(scope))
    raise errors.no_permission(scope)


OapiApp = Annotated[AppCaller, Depends(oapi_caller)]
V1App = Annotated[AppCaller, Depends(v1_caller)]
