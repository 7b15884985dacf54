"""The realtime socket served ahead of FastAPI's own layers and router (main.py's app class).

Why: a WebSocket lives for hours, and every ASGI layer it passed through stays alive with it
(a suspended coroutine frame each, plus what the layer allocated for the connection). Through
FastAPI, the route's dependency machinery alone kept three AsyncExitStacks (a ~0.6 KB deque
each), the solved-values dicts and wrappers, and the exception middlewares their closures:
~10 KB of Python objects per idle socket, measured with tracemalloc at 1,000 sockets. Here the
socket goes straight from the application object to gateway.realtime_socket, the same function
the router would call: not through FastAPI's telemetry wrapper, Starlette's ServerErrorMiddleware,
FastAPI's body limit and exception telemetry middlewares, nor the app's own lanes, each of which
would hold a suspended frame for the socket's whole life. The route stays registered on
gateway.router, so a plain FastAPI app serves it the same way.

The query is parsed as FastAPI would: `queue_id` and `token` strings, `last_event_id` an
integer (default 0); a value that is not one closes the handshake with 1008 (policy
violation), as FastAPI's WebSocket validation error does.
"""

import re
from collections.abc import Awaitable

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from tack.realtime.gateway import realtime_socket

PATH = "/api/v1/realtime/ws"
POLICY_VIOLATION = 1008
INTEGER = re.compile(r"[+-]?[0-9]+")


class SocketFirstApp(FastAPI):
    """FastAPI, but WebSocket handshakes for PATH go to the gateway before any of its layers."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == PATH:
            scope["app"] = self  # what Starlette sets: the gateway finds the broker on app.state
            await serve_socket(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def serve_socket(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
    """The gateway's coroutine for this handshake (a plain function: no frame of its own stays
    for the socket's life), or the close of one whose query is not what FastAPI would accept."""
    websocket = WebSocket(scope, receive, send)
    params = websocket.query_params
    raw = params.get("last_event_id", "0").strip()
    if not INTEGER.fullmatch(raw):
        return websocket.close(POLICY_VIOLATION)
    return realtime_socket(websocket, queue_id=params.get("queue_id", ""), last_event_id=int(raw), token=params.get("token"))
