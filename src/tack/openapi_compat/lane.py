"""The lean lane: a few hot DingTalk paths answered before the router.

Why: the open platform's hottest call (`GET /user/get`, once per user an integration syncs
or looks up) cost ~5 ms of server CPU, of which ~1 ms went to finding the route among
several hundred (FastAPI matches every included router in turn, twice) and ~1 ms to the
dependency chain and the ORM session. A lane endpoint is an ordinary route function that
takes only the `Request` and opens what it needs itself (auth.lean_oapi_caller, a bare read
connection, its own unit of work); it stays registered on its router too, so the OpenAPI
document lists it and the router would serve it the same way without the lane. The robot
webhook (`POST /robot/send`) rides it as well: it already reads its query and body itself.

- Only exact (method, path) pairs; anything else (HEAD, another method, every other path)
  goes to the app as before.
- Errors answer exactly as through the router: the exception goes to the handler the app has
  registered for its class (DingTalk's errcode forms from errors.install, main.py's own), or,
  with none, on to the server's 500 like any unhandled error.
"""

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]
Handler = Callable[[Request, Exception], Any]


class LeanLane:
    """ASGI middleware: `routes` ((method, exact path) → endpoint) answered directly; the rest
    passes on."""

    def __init__(self, app: ASGIApp, routes: Mapping[tuple[str, str], Endpoint], handlers: Mapping[Any, Handler]) -> None:
        self.app = app
        # The caller's live mapping: routes loaded later (core/lazy.py) join it.
        self.routes = routes
        # The app's live mapping (exception class → handler), read at each failure.
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.routes.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await endpoint(request)
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                raise
            response = handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)

    def _handler_for(self, exc: Exception) -> Handler | None:
        for cls in type(exc).__mro__:
            if cls is Exception:  # unhandled: on to the server's 500 (and its log), as via the router
                return None
            handler = self.handlers.get(cls)
            if handler is not None:
                return handler
        return None
