"""The TOP gateway (`POST /router/rest`, `method=` + `session=` + parameters in the query):
dingtalk-sdk sends every work notification, approval and DING call this way.

Methods are registered by the modules that implement them:

    @top.register("dingtalk.oapi.message.corpconversation.asyncsend_v2", scope=WORK_NOTICE)
    async def asyncsend(call: top.TopCall) -> dict: ...

The handler returns the object that goes under `<method with dots as underscores>_response`.
Failures raise errors.TopError (or any compat / Tack error, translated to error_response).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from tack.openapi_compat import errors
from tack.openapi_compat.params import Params
from tack.openapi_compat.tokens import AppCaller
from tack.storage.uow import UnitOfWork


@dataclass(slots=True)
class TopCall:
    request: Request
    caller: AppCaller
    params: Params
    uow: UnitOfWork


TopHandler = Callable[[TopCall], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class TopMethod:
    handler: TopHandler
    scope: str | None


METHODS: dict[str, TopMethod] = {}


def register(method: str, *, scope: str | None = None) -> Callable[[TopHandler], TopHandler]:
    def decorate(handler: TopHandler) -> TopHandler:
        METHODS[method] = TopMethod(handler, scope)
        return handler

    return decorate


def not_supported(method: str, what: str) -> None:
    """A real DingTalk method whose Tack domain is not in yet (replaced by `register` later)."""

    async def handler(call: TopCall) -> dict[str, Any]:
        raise errors.TopError(22, "Invalid method", "isv.method-not-supported", f"{what} 尚未在本服务器上提供: {method}")

    METHODS.setdefault(method, TopMethod(handler, None))


def response_key(method: str) -> str:
    return method.replace(".", "_") + "_response"


def ok(**fields: Any) -> dict[str, Any]:
    return {"errcode": 0, "errmsg": "ok", **fields, "request_id": errors.request_id()}


def ok_result(**fields: Any) -> dict[str, Any]:
    """The `result` form dingtalk-sdk descends into (success / ding_open_errcode)."""
    return {"result": {"ding_open_errcode": 0, "error_msg": "", "success": True, **fields}, "request_id": errors.request_id()}


# Domains not in Tack yet: their DingTalk methods answer "not supported", never a loop code.
for _method, _what in (
    ("dingtalk.oapi.attendance.getleavestatus", "attendance"),
    ("dingtalk.smartwork.attends.listschedule", "attendance"),
    ("dingtalk.smartwork.attends.getsimplegroups", "attendance"),
):
    not_supported(_method, _what)
