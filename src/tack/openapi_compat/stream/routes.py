"""`POST /v1.0/gateway/connections/open` and the Stream WebSocket it points to (reference §5.1).

- open: clientId/clientSecret are the app key/secret (same checks as the token endpoints:
  wrong → 400 invalidClientIdOrSecret, which the SDK logs and retries after 10 s, no loop).
  The endpoint is this server's own origin (ws:// or wss://), without a query string.
- the socket: a bad or expired ticket fails the upgrade (HTTP 403) before anything is sent.
  Client frames are acks: routed to the delivery waiting for them; anything else is ignored.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from tack.openapi_compat import errors
from tack.openapi_compat.auth import client_ip, server_secret
from tack.openapi_compat.params import Params
from tack.openapi_compat.stream import frames, tickets
from tack.openapi_compat.stream.hub import HUB, StreamConnection
from tack.openapi_compat.tokens import AppCaller, TokenProblem, check_token, issue_token
from tack.storage.deps import get_read_session

router = APIRouter(tags=["dingtalk"])
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]
STREAM_PATH = "/v1.0/gateway/connect"
KNOWN_KINDS = ("EVENT", "CALLBACK")


def _topics(raw: Any) -> list[tuple[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > tickets.MAX_TOPICS:
        raise errors.v1_invalid_parameter("subscriptions")
    out: list[tuple[str, str]] = []
    for item in raw:
        if not isinstance(item, dict) or item.get("type") not in KNOWN_KINDS or not isinstance(item.get("topic"), str):
            raise errors.v1_invalid_parameter("subscriptions", "each needs type EVENT|CALLBACK and a topic")
        out.append((item["type"], item["topic"][:200]))
    return out


@router.post("/v1.0/gateway/connections/open")
async def open_connection(request: Request, session: ReadSession) -> JSONResponse:
    params = await Params.of(request, "v1")
    key = params.text("clientId", required=True)
    secret = params.text("clientSecret", required=True)
    topics = _topics(params.values.get("subscriptions"))
    ip = client_ip(request)
    issued = await issue_token(session, server_secret(request), app_key=key, app_secret=secret, ip=ip)
    if issued is TokenProblem.IP_NOT_ALLOWED:
        raise errors.v1_ip_not_allowed(ip)
    if isinstance(issued, TokenProblem):
        raise errors.v1_invalid_credentials()
    scheme = "wss" if request.url.scheme == "https" else "ws"
    endpoint = f"{scheme}://{request.url.netloc}{STREAM_PATH}"
    return JSONResponse({"endpoint": endpoint, "ticket": tickets.make(issued.token, topics)})


async def _caller_of(websocket: WebSocket, ticket: str) -> tuple[AppCaller, set[tuple[str, str]]] | None:
    parsed = tickets.parse(ticket)
    if parsed is None:
        return None
    token, topics = parsed
    ip = websocket.client.host if websocket.client else ""
    async with websocket.app.state.read_sessionmaker() as session:
        caller = await check_token(session, websocket.app.state.settings.resolved_secret_key, token, ip=ip)
    return None if isinstance(caller, TokenProblem) else (caller, topics)


@router.websocket(STREAM_PATH)
async def stream(websocket: WebSocket, ticket: Annotated[str, Query(max_length=8192)] = "") -> None:
    found = await _caller_of(websocket, ticket)
    if found is None:
        await websocket.close(code=1008)  # before accept: the upgrade fails with HTTP 403
        return
    caller, topics = found
    await websocket.accept()
    conn = StreamConnection(websocket=websocket, app_id=caller.app_id, org_id=caller.org_id, topics=topics)
    HUB.add(conn)
    try:
        while True:
            ack = frames.ack_of(await websocket.receive_text())
            if ack is not None:
                conn.acked(*ack)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        HUB.remove(conn)
