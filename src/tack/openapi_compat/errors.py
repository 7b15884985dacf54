"""DingTalk's error conventions, shared by every compat route (apps, server API, robots, events).

Three wire styles, chosen by the exception a route (or one of its dependencies) raises:

- `OapiError`: the old oapi style, HTTP 200 with `{"errcode": int, "errmsg": str}`
  (`/gettoken`, `/user/get`, `/topapi/...`, `/robot/send`, ...).
- `V1Error`: the new style, HTTP 4xx with `{"code", "message", "requestid"}` (`/v1.0/...`).
- `TopError`: the TOP gateway (`/router/rest`), HTTP 200 with `{"error_response": {...}}`.

Paths are claimed for a style with `claim_prefix`, so unknown paths, wrong methods, validation
errors and Tack's own `AppError`s raised under them also answer in that style (see `install`).

Never answer 33001 / 40001 / 42001 / 40014 except for a token that really is bad or expired:
dingtalk-sdk refreshes its token and retries without limit on those codes.
"""

import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tack.core.errors import AppError

Style = Literal["oapi", "topapi", "v1", "top"]


def request_id() -> str:
    return secrets.token_hex(12)


# --- old oapi style -----------------------------------------------------------------------


class OapiError(Exception):
    """HTTP 200, `{"errcode", "errmsg", "request_id"}` plus any extra fields (sub_code, ...)."""

    def __init__(self, errcode: int, errmsg: str, **extra: Any) -> None:
        super().__init__(f"{errcode} {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"errcode": self.errcode, "errmsg": self.errmsg, **self.extra, "request_id": request_id()}


def oapi_ok(**fields: Any) -> dict[str, Any]:
    return {"errcode": 0, "errmsg": "ok", **fields, "request_id": request_id()}


# The codes, with DingTalk's own texts. Token codes make dingtalk-sdk refresh and retry.
def invalid_token() -> OapiError:
    return OapiError(40014, "不合法的access_token")


def expired_token() -> OapiError:
    return OapiError(42001, "access_token超时")


def missing_token() -> OapiError:
    # Not 40014: a call that carries no token at all will never succeed by refreshing one.
    return OapiError(40000, "access_token is blank")


def missing_parameter(name: str) -> OapiError:
    return OapiError(40035, f"缺少参数 {name}")


def invalid_parameter(name: str, why: str = "") -> OapiError:
    return OapiError(40035, f"不合法的参数 {name}" + (f": {why}" if why else ""))


def body_too_large(limit: int) -> OapiError:
    return OapiError(40035, f"请求体过大，最大 {limit} 字节")


def invalid_credentials() -> OapiError:
    return OapiError(40096, "不合法的appKey或appSecret")


def ip_not_allowed(ip: str) -> OapiError:
    return OapiError(60020, f"访问ip不在白名单之中,request ip={ip}")


def no_permission(scope: str) -> OapiError:
    return OapiError(88, f"ding talk error[subcode=60011,submsg=没有调用该接口的权限: {scope}]", sub_code="60011", sub_msg=f"没有调用该接口的权限: {scope}")


def user_not_found() -> OapiError:
    return OapiError(60121, "找不到该用户")


def department_not_found() -> OapiError:
    return OapiError(60003, "部门不存在")


def unknown_uri() -> OapiError:
    return OapiError(404, "请求的URI地址不存在")


def not_supported(what: str) -> OapiError:
    """A DingTalk API whose Tack domain is not in yet: not found, never a code that loops."""
    return OapiError(404, f"请求的URI地址不存在: {what} 尚未在本服务器上提供")


# --- /topapi: bad tokens come back wrapped in errcode 88 (observed on the live service) ----


def topapi_token_error(inner: OapiError) -> OapiError:
    return OapiError(
        88,
        f"ding talk error[subcode={inner.errcode},submsg={inner.errmsg}]",
        sub_code=str(inner.errcode),
        sub_msg=inner.errmsg,
    )


def topapi_unknown_method() -> OapiError:
    return OapiError(22, "Invalid method")


# --- new /v1.0 style ----------------------------------------------------------------------


class V1Error(Exception):
    """HTTP 4xx `{"requestid", "code", "message"}`: what the official SDK parses."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"requestid": request_id(), "code": self.code, "message": self.message}


def v1_invalid_token() -> V1Error:
    return V1Error(400, "InvalidAuthentication", "不合法的access_token")


def v1_missing_token() -> V1Error:
    return V1Error(400, "AuthenticationFailed.MissingParameter", "缺少参数：x-acs-dingtalk-access-token")


def v1_invalid_credentials() -> V1Error:
    return V1Error(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")


def v1_missing_parameter(name: str) -> V1Error:
    return V1Error(400, f"MissingParameter.{name}", f"缺少参数：{name}")


def v1_invalid_parameter(name: str, why: str = "") -> V1Error:
    return V1Error(400, f"invalidParameter.{name}", f"参数不合法：{name}" + (f" {why}" if why else ""))


def v1_body_too_large(limit: int) -> V1Error:
    return V1Error(413, "invalidParameter.body.tooLarge", f"请求体过大，最大 {limit} 字节")


def v1_no_permission(scope: str) -> V1Error:
    return V1Error(403, f"Forbidden.AccessDenied.AccessTokenPermissionDenied", f"没有调用该接口的权限，所需权限：{scope}")


def v1_ip_not_allowed(ip: str) -> V1Error:
    return V1Error(403, "Forbidden.AccessDenied.IpNotInWhiteList", f"访问ip不在白名单之中: {ip}")


def v1_not_found(message: str = "Specified api is not found, please check your url and method.") -> V1Error:
    return V1Error(404, "InvalidAction.NotFound", message)


def v1_resource_not_found(what: str) -> V1Error:
    return V1Error(404, f"{what}.NotFound", f"{what} not found")


# --- TOP gateway (/router/rest) -----------------------------------------------------------


class TopError(Exception):
    """`{"error_response": {"code", "msg", "sub_code", "sub_msg"}}` with HTTP 200. Bad sessions
    use code 27: dingtalk-sdk's retry path would turn an oapi token code into a garbage call."""

    def __init__(self, code: int, msg: str, sub_code: str = "", sub_msg: str = "") -> None:
        super().__init__(f"{code} {msg} {sub_code} {sub_msg}")
        self.code = code
        self.msg = msg
        self.sub_code = sub_code
        self.sub_msg = sub_msg

    def body(self) -> dict[str, Any]:
        inner: dict[str, Any] = {"code": self.code, "msg": self.msg, "request_id": request_id()}
        if self.sub_code:
            inner["sub_code"] = self.sub_code
        if self.sub_msg:
            inner["sub_msg"] = self.sub_msg
        return {"error_response": inner}


def top_invalid_session() -> TopError:
    return TopError(27, "Invalid session", "invalid-sessionkey", "不合法的access_token或已过期")


def top_invalid_method(method: str) -> TopError:
    return TopError(22, "Invalid method", "isv.invalid-method", f"不支持的方法: {method}")


def top_missing_parameter(name: str) -> TopError:
    return TopError(40, "Missing required arguments", f"isv.missing-parameter:{name}", f"缺少参数 {name}")


def top_invalid_parameter(name: str, why: str = "") -> TopError:
    return TopError(41, "Invalid arguments", f"isv.invalid-parameter:{name}", why or f"不合法的参数 {name}")


def top_from_oapi(error: OapiError) -> TopError:
    """An oapi-style failure inside a TOP call (no permission, not found, ...)."""
    if error.errcode in (40014, 42001, 40000):
        return top_invalid_session()
    return TopError(15, "Remote service error", str(error.errcode), error.errmsg)


# --- which paths speak which style --------------------------------------------------------

# Longest prefix wins. Other compat modules (robots, events) claim theirs at import time.
_PREFIXES: dict[str, Style] = {
    "/v1.0/": "v1",
    "/router/rest": "top",
    "/topapi/": "topapi",
    "/gettoken": "oapi",
    "/get_jsapi_ticket": "oapi",
    "/user/": "oapi",
    "/department/": "oapi",
    "/message/": "oapi",
    "/attendance/": "oapi",
    "/process/": "oapi",
    "/media/": "oapi",
    "/call_back/": "oapi",
    "/chat/": "oapi",
    "/robot/": "oapi",
}


def claim_prefix(prefix: str, style: Style) -> None:
    _PREFIXES[prefix] = style


def style_of(path: str) -> Style | None:
    best: tuple[int, Style] | None = None
    for prefix, style in _PREFIXES.items():
        if path == prefix.rstrip("/") or path.startswith(prefix):
            if best is None or len(prefix) > best[0]:
                best = (len(prefix), style)
    return best[1] if best else None


def _response(style: Style, exc: Exception) -> JSONResponse:
    if isinstance(exc, V1Error):
        return JSONResponse(exc.body(), status_code=exc.status)
    if isinstance(exc, TopError):
        return JSONResponse(exc.body())
    if isinstance(exc, OapiError):
        if style == "top":
            return JSONResponse(top_from_oapi(exc).body())
        return JSONResponse(exc.body())
    raise TypeError(exc)


def _translate(style: Style, exc: Exception) -> Exception:
    """A generic failure (unknown path, bad parameter, a Tack AppError) in the path's style."""
    if isinstance(exc, StarletteHTTPException):
        if style == "v1":
            return v1_not_found()
        if style == "top":
            return top_invalid_method("")
        if style == "topapi":
            return topapi_unknown_method()
        return unknown_uri()
    if isinstance(exc, RequestValidationError):
        errors = exc.errors()
        loc = errors[0].get("loc", ()) if errors else ()
        name = ".".join(str(p) for p in loc[1:]) or "body"
        if style == "v1":
            return v1_invalid_parameter(name)
        if style == "top":
            return top_invalid_parameter(name)
        return invalid_parameter(name)
    if isinstance(exc, AppError):
        known = APP_ERROR_CODES.get(exc.code)
        if known is not None:
            if style == "v1":
                return V1Error(404, f"{exc.code.split('_')[0]}.not.found", known[1])
            if style == "top":
                return TopError(15, "Remote service error", str(known[0]), known[1])
            return OapiError(*known)
        if exc.status_code == 404:
            return v1_resource_not_found("Resource") if style == "v1" else (
                top_invalid_parameter("id", exc.message) if style == "top" else OapiError(404, exc.message)
            )
        if style == "v1":
            return V1Error(exc.status_code if 400 <= exc.status_code < 500 else 400, exc.code, exc.message)
        if style == "top":
            return top_invalid_parameter(exc.code, exc.message)
        return OapiError(40035, f"{exc.message} ({exc.code})")
    raise TypeError(exc)


# Tack errors that DingTalk has a code for (oapi errcode, errmsg); others may add theirs.
APP_ERROR_CODES: dict[str, tuple[int, str]] = {
    "member_not_found": (60121, "找不到该用户"),
    "department_not_found": (60003, "部门不存在"),
    "work_notice_not_found": (40035, "不合法的参数 task_id"),
}

Handler = Callable[[Request, Any], Awaitable[Any]]


def install(app: FastAPI) -> None:
    """Registers the three styles' handlers, and wraps the app's generic handlers so that a
    failure under a claimed path answers in DingTalk's form (others keep Tack's {code, message})."""

    async def compat_error(request: Request, exc: Exception) -> JSONResponse:
        return _response(style_of(request.url.path) or "oapi", exc)

    for cls in (OapiError, V1Error, TopError):
        app.add_exception_handler(cls, compat_error)

    for cls in (StarletteHTTPException, RequestValidationError, AppError):
        previous: Handler | None = app.exception_handlers.get(cls)
        if previous is None:
            continue

        def wrap(previous: Handler) -> Handler:
            async def handler(request: Request, exc: Exception) -> Any:
                style = style_of(request.url.path)
                if style is None:
                    return await previous(request, exc)
                return _response(style, _translate(style, exc))

            return handler

        app.add_exception_handler(cls, wrap(previous))
