"""Realtime gateway: register (queue first, then snapshot), WebSocket with resume, long-poll.

Protocol (all frames are UTF-8 JSON; event frames are sent as binary WebSocket frames so
that the bytes encoded once by the broker go to every socket unchanged):

- POST /api/v1/realtime/register {org_id} → {queue_id, last_event_id, heartbeat_seconds,
  snapshot: {conversations}}. The queue subscribes before the snapshot is read, so an event
  committed in between is in the queue (and maybe in the snapshot too: events are safe to
  apply twice, message events carry their seq).
- WS /api/v1/realtime/ws?queue_id=&last_event_id=[&token=] — token, or the session cookie
  (same-origin only). The server sends every event after last_event_id, then live ones:
  {"id", "type", "op", "org_id", "ts", "data"}. Control frames have no id:
  {"type":"heartbeat"}, {"type":"pong"}, {"type":"reconnect"}, {"type":"error","code",...}.
  Client frames (text or binary, at most TACK_REALTIME_MAX_FRAME_BYTES):
  {"op":"ping"} → {"type":"pong"};
  {"op":"send","ref","conversation_id","message":{...as POST .../messages}} and
  {"op":"read","ref","conversation_id","seq"} (see chat.routes.SOCKET_OPS) → after the
  change is committed {"type":"ack","op","ref",...the HTTP answer's fields} or
  {"type":"error","op","ref","status","code","message"}. `ref` is the client's tag, echoed.
  Bad JSON, unknown ops, oversize frames and refused ops get an error frame; the socket stays.
  Close codes: 4401 not authenticated, 4404 queue_not_found, 4410 queue_expired (register
  again), 4008 slow_client and 4009 replaced (resume from the last id seen), 4000 reconnect.
- GET /api/v1/realtime/events?queue_id=&last_event_id=&timeout= — long-poll, same events.
"""

import asyncio
import json
import logging
import time
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from pydantic_core import to_json
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocketState

from tack.chat.queries import conversations_now
from tack.chat.routes import SOCKET_OPS
from tack.chat.schemas import ConversationList, ConversationView
from tack.core.actor import Actor
from tack.core.errors import AppError, Conflict, NotFound, Unauthorized
from tack.core.tokens import hash_token
from tack.core.i18n import ZH_MESSAGES, pick_language
from tack.directory.access import actor_for_org
from tack.directory.auth import SESSION_COOKIE, CurrentCaller, account_for_token, get_caller, get_caller_actor, token_from
from tack.realtime.batching import SocketOpBatcher
from tack.realtime.broker import InProcessBroker
from tack.realtime.queues import ClientQueue, QueueExpired
from tack.realtime.wire import EXTENSION
from tack.storage.db import run_single_read

log = logging.getLogger(__name__)
# Write frames a socket may have waiting for their batch before its reader stops reading.
MAX_IN_FLIGHT = 64
router = APIRouter(prefix="/api/v1/realtime", tags=["realtime"])


class QueueNotFound(NotFound):
    code = "queue_not_found"
    message = "Unknown event queue; register again"


class QueueGone(AppError):
    status_code = 410
    code = "queue_expired"
    message = "Events were missed; register again"


class RegisterCreate(BaseModel):
    org_id: int = Field(ge=1, le=2**63 - 1)


class Snapshot(BaseModel):
    conversations: list[ConversationView]


class Registered(BaseModel):
    queue_id: str
    last_event_id: int
    heartbeat_seconds: float
    snapshot: Snapshot


def _broker(app: Any) -> InProcessBroker:
    return app.state.broker  # type: ignore[no-any-return]


@router.post("/register", response_model=Registered)
async def register(request: Request, body: RegisterCreate) -> Response:
    return await _register(request, body)


async def register_ahead_of_router(request: Request) -> Response:
    """POST /register on the lean lane (openapi_compat.lane, LEAN below): after a restart
    every client registers at once, and FastAPI's route matching and dependency chain were
    ~1 ms of the ~3–4 ms of server CPU each cost. The body is checked as FastAPI checks it
    (422 validation_error, located under "body"), before the caller, as on the route."""
    try:
        body = RegisterCreate.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None
    return await _register(request, body)


async def _register(request: Request, body: RegisterCreate) -> Response:
    # Who is calling, as which member: one read on a bare connection.
    actor = await get_caller_actor(request, body.org_id)
    broker = _broker(request.app)
    queue = broker.register(actor.account_id, body.org_id, token_hash=hash_token(token_from(request)[0] or ""))
    # The snapshot is read in a transaction that starts after the queue exists, so an event
    # committed in between is in the queue: one hop on a read connection (SQLite: BEGIN
    # DEFERRED at its first statement), no ORM session (after a restart thousands register
    # at once; the session's hop per statement and its begin/close were ~0.2 ms of each).
    conversations = await _snapshot(request.app, actor)
    answer = Registered(
        queue_id=queue.id,
        last_event_id=queue.last_event_id,
        heartbeat_seconds=broker.settings.heartbeat_seconds,
        snapshot=Snapshot(conversations=conversations.items),
    )
    # Encoded once here; the route's response_model documents the same shape.
    return Response(answer.model_dump_json(), media_type="application/json")


async def _snapshot(app: Any, actor: Actor) -> ConversationList:
    return await run_single_read(app.state.read_engine, lambda db: conversations_now(db, actor))


@router.get("/events")
async def poll_events(
    request: Request,
    caller: CurrentCaller,
    queue_id: str,
    last_event_id: Annotated[int, Query(ge=0)],
    timeout: Annotated[float, Query(ge=0, le=600)] = 30,
) -> Response:
    """Events after last_event_id; waits up to `timeout` seconds (capped) when there are none."""
    broker = _broker(request.app)
    queue = broker.get(queue_id, caller.account_id)
    if queue is None:
        raise QueueNotFound()
    frames = _since_or_gone(broker, queue, last_event_id)
    if not frames and timeout:
        await queue.wait(min(timeout, broker.settings.longpoll_max_seconds))
        frames = _since_or_gone(broker, queue, last_event_id)
    queue.touch()
    body = b'{"queue_id":"%s","events":[%s]}' % (queue.id.encode(), b",".join(f for _, f in frames))
    return Response(body, media_type="application/json")


# Served ahead of the router by main.py's LeanLane (the route above stays for the OpenAPI
# document and for an app without the lane).
LEAN = {("POST", router.prefix + "/register"): register_ahead_of_router}


def _since_or_gone(broker: InProcessBroker, queue: ClientQueue, last_event_id: int) -> list[tuple[int, bytes]]:
    try:
        return queue.since(last_event_id)
    except QueueExpired:
        broker.drop(queue)
        raise QueueGone() from None


# --- WebSocket --------------------------------------------------------------------------


def _control(kind: str, **fields: Any) -> bytes:
    return to_json({"type": kind, **fields})  # compact, UTF-8: as json.dumps(ensure_ascii=False)


async def _account_for(
    websocket: WebSocket, token: str | None, session: AsyncSession | None = None, *, fresh: ClientQueue | None = None
) -> int:
    """The same session check as HTTP (directory.auth.get_caller), as for a GET request so no
    CSRF header is expected. A cookie is accepted only from the server's own origin, since
    browsers send cookies on cross-site WebSocket handshakes. Without `session` (the
    handshake) it is one statement on a bare connection (directory.auth.account_for_token),
    or none for the first socket of a queue its session registered moments ago (`fresh`:
    ClientQueue.claim_fresh says why that is as strict)."""
    if not token:
        cookie = websocket.cookies.get(SESSION_COOKIE)
        origin = websocket.headers.get("origin")
        if not cookie:
            raise Unauthorized()
        if origin and urlsplit(origin).netloc != websocket.headers.get("host"):
            raise Unauthorized("Cross-origin socket", code="bad_origin")
        token = cookie
    if fresh is not None and fresh.claim_fresh(hash_token(token), time.monotonic()):
        return fresh.account_id
    if session is None:
        return await account_for_token(websocket.app.state.single_read_engine, token)
    headers = [(b"authorization", b"Bearer " + token.encode())]
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": headers, "app": websocket.app}
    return (await get_caller(Request(scope), session)).account_id


class Connection:
    """One attached socket. Events reach it from the queue (`deliver`): written at once when
    the socket is caught up and its transport takes them (wire.TackWebSocketProtocol),
    otherwise by a drain task started on demand that writes the backlog in order, many
    frames per transport write while the transport takes them, through ASGI when it asked
    to pause. A socket holds no task of its own but the one serving it; heartbeats and the
    reconnect request come from the broker's sweep. `cut` ends it from outside (slow,
    replaced, too old)."""

    __slots__ = ("websocket", "queue", "sent_id", "lock", "close_code", "writer", "drainer", "handler", "last_sent",
                 "started", "token_hash", "in_flight", "room")

    def __init__(self, websocket: WebSocket, queue: ClientQueue, sent_id: int, token_hash: str = "") -> None:
        self.websocket = websocket
        self.queue = queue
        self.sent_id = sent_id
        self.lock: asyncio.Lock | None = None  # made by the first awaited send (most never need one)
        self.close_code: int | None = None
        extension = websocket.scope.get("extensions", {}).get(EXTENSION)
        self.writer = extension["writer"] if extension else None
        self.drainer: asyncio.Task[None] | None = None
        self.handler: asyncio.Task[Any] | None = None
        self.started = self.last_sent = time.monotonic()
        # The session this socket signed in with, checked again with every write frame.
        self.token_hash = token_hash
        # Write frames handed to the batcher and not answered yet; `room` wakes the reader
        # when it waited for them to drop below MAX_IN_FLIGHT.
        self.in_flight = 0
        self.room: asyncio.Future[None] | None = None

    @property
    def account_id(self) -> int:
        return self.queue.account_id

    @property
    def org_id(self) -> int:
        return self.queue.org_id

    @property
    def queue_id(self) -> str:
        return self.queue.id

    def answered(self, op: str, frame: dict[str, Any], answer: Any) -> None:
        """From the batcher, after COMMIT: the ack or error frame of one write frame."""
        if self.room is not None and self.in_flight < MAX_IN_FLIGHT:
            if not self.room.done():
                self.room.set_result(None)
            self.room = None
        if self.close_code is not None:
            return
        data = _answer_frame(self, op, _ref(frame), answer)
        self.control(data, then_cut=4401 if isinstance(answer, Unauthorized) else None)

    async def wait_for_room(self) -> None:
        if self.in_flight >= MAX_IN_FLIGHT:
            self.room = asyncio.get_running_loop().create_future()
            await self.room

    async def send(self, data: bytes) -> None:
        writer = self.writer
        if writer is not None and writer.try_write(data):
            self.last_sent = time.monotonic()
            return
        lock = self.lock
        if lock is None:
            lock = self.lock = asyncio.Lock()
        async with lock:
            await self.websocket.send_bytes(data)
        self.last_sent = time.monotonic()

    def deliver(self, event_id: int, frame: bytes) -> None:
        """The queue's newest frame: straight to the socket, or to the drain task."""
        if self.close_code is not None:
            return
        if self.drainer is None and self.sent_id == event_id - 1:
            writer = self.writer
            if writer is not None and writer.try_write(frame):
                self.sent_id = event_id
                self.last_sent = time.monotonic()
                return
        self.drain()

    def drain(self) -> None:
        if self.drainer is None and self.close_code is None:
            self.drainer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        """Sends the backlog in order: while the transport takes them, as chunks of frames in
        one write each (wire.try_write_many); when it asked to pause, one awaited send, which
        waits until it drained, then chunks again."""
        queue = self.queue
        try:
            while True:
                try:
                    frames = queue.since(self.sent_id)
                except QueueExpired:
                    self.cut(4410)
                    return
                if not frames:
                    return
                i = 0
                while i < len(frames):
                    writer = self.writer
                    written = writer.try_write_many(frames, i) if writer is not None else 0
                    if written:
                        i += written
                        self.sent_id = frames[i - 1][0]
                        self.last_sent = time.monotonic()
                        continue
                    event_id, frame = frames[i]
                    await self.send(frame)
                    self.sent_id = event_id
                    i += 1
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the socket went away mid-send: end it
            self.cut(self.close_code or 1000)
        finally:
            if self.drainer is asyncio.current_task():
                self.drainer = None

    def tick(self, now: float, settings: Any) -> None:
        """From the broker's sweep: a heartbeat when nothing was sent for a while; a socket
        older than connection_max_seconds is asked to reconnect and closed (4000)."""
        if self.close_code is not None:
            return
        if now - self.started > settings.connection_max_seconds:
            self.control(_control("reconnect"), then_cut=4000)
        elif now - self.last_sent >= settings.heartbeat_seconds:
            self.control(_control("heartbeat", last_event_id=self.sent_id))

    def control(self, data: bytes, *, then_cut: int | None = None) -> None:
        """A control frame from outside the socket's task (heartbeat, reconnect)."""
        writer = self.writer
        if writer is not None and writer.try_write(data):
            self.last_sent = time.monotonic()
            if then_cut is not None:
                self.cut(then_cut)
            return
        asyncio.get_running_loop().create_task(self._send_quietly(data, then_cut))

    async def _send_quietly(self, data: bytes, then_cut: int | None) -> None:
        try:
            await self.send(data)
        except Exception:  # noqa: BLE001 - a socket that cannot take a heartbeat is going away
            pass
        if then_cut is not None:
            self.cut(then_cut)

    def cut(self, code: int) -> None:
        if self.close_code is None:
            self.close_code = code
        if self.drainer is not None and self.drainer is not asyncio.current_task():
            self.drainer.cancel()
        if self.handler is not None and not self.handler.done():
            self.handler.cancel()


async def _listen(conn: Connection) -> None:
    max_bytes = conn.websocket.app.state.broker.settings.max_frame_bytes
    while True:
        message = await conn.websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text") if message.get("text") is not None else message.get("bytes")
        conn.queue.touch()
        if raw is not None and _size(raw) > max_bytes:
            await conn.send(_error(conn, "frame_too_large", f"Frames are at most {max_bytes} bytes"))
            continue
        try:
            frame = json.loads(raw or "")
        except (ValueError, TypeError):
            frame = None
        if not isinstance(frame, dict):
            await conn.send(_error(conn, "bad_frame", "Frames are JSON objects"))
            continue
        op = frame.get("op")
        if op == "ping":
            await conn.send(_control("pong"))
        elif isinstance(op, str) and op in SOCKET_OPS:
            # Answered after its batch commits; meanwhile this socket's next frames are read
            # (a client may pipeline), up to MAX_IN_FLIGHT unanswered.
            await conn.wait_for_room()
            if conn.close_code is not None:
                return
            _batcher(conn.websocket.app).submit(conn, op, frame)
        else:
            await conn.send(_error(conn, "unknown_op", f"Known ops: ping, {', '.join(SOCKET_OPS)}", ref=_ref(frame)))


def _size(raw: str | bytes) -> int:
    return len(raw.encode()) if isinstance(raw, str) else len(raw)


def _ref(frame: dict[str, Any]) -> str | int | None:
    """The client's tag, echoed only when it is a short string or an integer."""
    ref = frame.get("ref")
    if isinstance(ref, bool) or not isinstance(ref, (str, int)) or (isinstance(ref, str) and len(ref) > 64):
        return None
    return ref


def _error(conn: Connection, code: str, message: str, *, status: int = 400, **fields: Any) -> bytes:
    """An error frame in the language the socket's handshake asked for (as HTTP errors)."""
    if pick_language(conn.websocket.headers.get("accept-language")) == "zh-CN" and code in ZH_MESSAGES:
        message = ZH_MESSAGES[code]
    return _control("error", status=status, code=code, message=message, **fields)


def _batcher(app: Any) -> SocketOpBatcher:
    batcher: SocketOpBatcher | None = getattr(app.state, "socket_batcher", None)
    if batcher is None:
        batcher = app.state.socket_batcher = SocketOpBatcher(app.state.uow_factory, SOCKET_OPS, app.state)
    return batcher


def _answer_frame(conn: Connection, op: str, ref: str | int | None, answer: Any) -> bytes:
    """The ack of a committed write frame ({"type":"ack","op","ref",...the HTTP answer's
    fields}), or its error frame with the status and code HTTP would answer."""
    if isinstance(answer, AppError):
        extra = {"detail": answer.detail} if answer.detail else {}
        return _error(conn, answer.code, answer.message, status=answer.status_code, op=op, ref=ref, **extra)
    if isinstance(answer, ValidationError):
        first = answer.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "frame"
        return _error(conn, "validation_error", f"{where}: {first.get('msg', 'invalid')}", status=422, op=op, ref=ref)
    if isinstance(answer, IntegrityError):
        exc = Conflict("The change conflicts with another one made at the same time")
        return _error(conn, exc.code, exc.message, status=409, op=op, ref=ref)
    if isinstance(answer, BaseException):  # a bug must not take the socket down with it
        log.error("socket op %s failed", op, exc_info=answer)
        return _error(conn, "internal_error", "Something went wrong", status=500, op=op, ref=ref)
    # {"type":"ack","op","ref"} then the answer's own fields, each part encoded by pydantic-core.
    head, body = to_json({"type": "ack", "op": op, "ref": ref}), answer.model_dump_json().encode()
    return head if body == b"{}" else head[:-1] + b"," + body[1:]


@router.websocket("/ws")
async def realtime_socket(
    websocket: WebSocket,
    queue_id: str = "",
    last_event_id: int = 0,
    token: str | None = None,
) -> None:
    await websocket.accept()
    broker = _broker(websocket.app)
    try:
        account_id = await _account_for(websocket, token, fresh=broker.queues.get(queue_id))
    except AppError as exc:
        await _refuse(websocket, 4401, exc.code)
        return
    queue = broker.get(queue_id, account_id)
    if queue is None:
        await _refuse(websocket, 4404, "queue_not_found")
        return
    try:
        queue.since(last_event_id)
    except QueueExpired:
        broker.drop(queue)
        await _refuse(websocket, 4410, "queue_expired")
        return
    if queue.conn is not None:
        queue.conn.cut(4009)  # another socket held this queue: it is replaced
    conn = Connection(websocket, queue, last_event_id, hash_token(token or websocket.cookies.get(SESSION_COOKIE, "")))
    conn.handler = asyncio.current_task()
    queue.conn = conn
    broker.attach(queue)
    try:
        if queue.last_event_id > last_event_id:
            conn.drain()
        try:
            await _listen(conn)
        except asyncio.CancelledError:
            if conn.close_code is None:
                raise
            # cut() from outside (slow, replaced, too old): close with its code.
            asyncio.current_task().uncancel()  # type: ignore[union-attr]
    finally:
        conn.handler = None
        if conn.drainer is not None:
            conn.drainer.cancel()
            await asyncio.gather(conn.drainer, return_exceptions=True)
        if queue.conn is conn:
            queue.conn = None
            broker.detach(queue)
        queue.touch()
        await _close(websocket, conn.close_code or 1000)


async def _refuse(websocket: WebSocket, code: int, reason: str) -> None:
    try:
        await websocket.send_bytes(_control("error", code=reason))
    except (WebSocketDisconnect, RuntimeError):
        pass
    await _close(websocket, code)


async def _close(websocket: WebSocket, code: int) -> None:
    if websocket.application_state == WebSocketState.DISCONNECTED or websocket.client_state == WebSocketState.DISCONNECTED:
        return
    try:
        await asyncio.wait_for(websocket.close(code), 2)
    except (WebSocketDisconnect, RuntimeError, TimeoutError, OSError):
        pass
