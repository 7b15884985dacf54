"""The realtime socket served ahead of FastAPI's middlewares and router (main.py adds it).

Why: a WebSocket lives for hours, and every ASGI layer it passed through stays alive with it
(a suspended coroutine frame each, plus what the layer allocated for the connection). Through
FastAPI, the route's dependency machinery alone kept three AsyncExitStacks (a ~0.6 KB deque
each), the solved-values dicts and wrappers, and the exception middlewares their closures:
~10 KB of Python objects per idle socket, measured with tracemalloc at 1,000 sockets. Here the
socket goes straight from the outermost middleware to gateway.realtime_socket, the same
function the router would call. The route stays registered on gateway.router, so an app
without this lane serves it the same way.

The query is parsed as FastAPI would: `queue_id` and `token` strings, `last_event_id` an
integer (default 0); a value that is not one closes the handshake with 1008 (policy
violation), as FastAPI's WebSocket validation error does.
"""

import re

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from tack.realtime.gateway import realtime_socket

PATH = "/api/v1/realtime/ws"
POLICY_VIOLATION = 1008
INTEGER = re.compile(r"[+-]?[0-9]+")


class SocketLane:
    """ASGI middleware: WebSocket handshakes for PATH go to the gateway; the rest passes on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        websocket = WebSocket(scope, receive, send)
        params = websocket.query_params
        raw = params.get("last_event_id", "0").strip()
        if not INTEGER.fullmatch(raw):
            await websocket.close(POLICY_VIOLATION)
            return
        last_event_id = int(raw)
        await realtime_socket(
            websocket, queue_id=params.get("queue_id", ""), last_event_id=last_event_id, token=params.get("token")
        )
