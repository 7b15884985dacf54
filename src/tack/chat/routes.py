"""Chat HTTP routes under /api/v1/orgs/{org_id}: conversations, members, messages, receipts, search."""

import inspect
import re
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import AfterValidator, BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Receive, Scope, Send

from tack.chat import queries
from tack.chat.actions import conversations, files, managed, messages, sending, settings
from tack.chat.limits import ChatLimits
from tack.chat.schemas import (
    ChatOrgSettings,
    ConversationList,
    ConversationMemberList,
    ConversationRead,
    ConversationUpdate,
    ConversationView,
    DepartmentGroupSet,
    DirectCreate,
    FileRead,
    ForwardCreate,
    GroupCreate,
    MembersAdd,
    MessageCreate,
    MessageList,
    MessageRead,
    MessageUnreadCount,
    OwnerTransfer,
    ReadFrame,
    ReadMark,
    ReadPointerRead,
    ReceiptList,
    RoleSet,
    SearchResult,
    SendAck,
    SendFrame,
    SettingsRead,
    SettingsUpdate,
    plain_text,
)
from tack.core.actor import Actor
from tack.core.clock import UtcDateTime, utc_now
from tack.core.errors import AppError
from tack.core.tokens import hash_token
from tack.directory.access import actors_for_sessions
from tack.directory.auth import CurrentActor
from tack.directory.schemas import MAX_ID
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/orgs/{org_id}", tags=["chat"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]
CONVERSATION = "/conversations/{conversation_id}"
MESSAGE = CONVERSATION + "/messages/{message_id}"


async def _limits(request: Request) -> ChatLimits:
    # async: FastAPI runs a plain `def` dependency in a worker thread, a hop per request.
    return request.app.state.chat_limits  # type: ignore[no-any-return]


Limits = Annotated[ChatLimits, Depends(_limits)]
# Ids beyond 64 bits would overflow the database's integers: refused as 422 instead.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]


# --- groups kept in step with the directory ---------------------------------------------


@router.put("/departments/{department_id}/group")
async def set_department_group(
    actor: CurrentActor, department_id: PathId, body: DepartmentGroupSet, uow: UoW
) -> ConversationRead | None:
    """部门群: on (created, then kept in step with the department and its sub-departments)
    or off (dissolved). Answers the group, or null when turned off."""
    return await managed.check_set_department_group(uow, actor, department_id, body)


@router.get("/chat/settings")
async def get_chat_settings(actor: CurrentActor, session: ReadSession) -> ChatOrgSettings:
    """Org-level chat settings (owners and admins): the conversation kinds without read receipts."""
    return await queries.get_chat_settings(session, actor)


@router.put("/chat/settings")
async def update_chat_settings(actor: CurrentActor, body: ChatOrgSettings, uow: UoW) -> ChatOrgSettings:
    return await settings.check_update_chat_settings(uow, actor, body)


# --- conversations ----------------------------------------------------------------------


@router.get("/conversations")
async def list_conversations(
    actor: CurrentActor,
    session: ReadSession,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> ConversationList:
    return await queries.list_conversations(session, actor, offset=offset, limit=limit)


@router.post("/conversations/direct")
async def open_direct(actor: CurrentActor, body: DirectCreate, uow: UoW, response: Response) -> ConversationView:
    view, created = await conversations.check_open_direct(uow, actor, body)
    response.status_code = 201 if created else 200
    return view


@router.post("/conversations", status_code=201)
async def create_group(actor: CurrentActor, body: GroupCreate, uow: UoW, limits: Limits) -> ConversationView:
    return await conversations.check_create_group(uow, actor, body, limits=limits)


@router.get(CONVERSATION)
async def get_conversation(actor: CurrentActor, session: ReadSession, conversation_id: PathId) -> ConversationView:
    return await queries.get_conversation(session, actor, conversation_id)


@router.patch(CONVERSATION)
async def update_conversation(
    actor: CurrentActor, conversation_id: PathId, body: ConversationUpdate, uow: UoW
) -> ConversationView:
    return await conversations.check_update_conversation(uow, actor, conversation_id, body)


@router.put(CONVERSATION + "/settings")
async def update_settings(actor: CurrentActor, conversation_id: PathId, body: SettingsUpdate, uow: UoW) -> SettingsRead:
    return await conversations.check_update_settings(uow, actor, conversation_id, body)


@router.post(CONVERSATION + "/dissolve")
async def dissolve_group(actor: CurrentActor, conversation_id: PathId, uow: UoW) -> ConversationView:
    return await conversations.check_dissolve(uow, actor, conversation_id)


@router.post(CONVERSATION + "/leave", status_code=204, response_class=Response)
async def leave_group(actor: CurrentActor, conversation_id: PathId, uow: UoW) -> None:
    await conversations.check_leave(uow, actor, conversation_id)


@router.post(CONVERSATION + "/transfer")
async def transfer_group(actor: CurrentActor, conversation_id: PathId, body: OwnerTransfer, uow: UoW) -> ConversationView:
    return await conversations.check_transfer_owner(uow, actor, conversation_id, body.member_id)


# --- members ----------------------------------------------------------------------------


@router.get(CONVERSATION + "/members")
async def list_conversation_members(
    actor: CurrentActor,
    session: ReadSession,
    conversation_id: PathId,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> ConversationMemberList:
    return await queries.list_conversation_members(session, actor, conversation_id, offset=offset, limit=limit)


@router.post(CONVERSATION + "/members")
async def add_members(
    actor: CurrentActor, conversation_id: PathId, body: MembersAdd, uow: UoW, limits: Limits
) -> ConversationView:
    return await conversations.check_add_members(uow, actor, conversation_id, body, limits=limits)


@router.delete(CONVERSATION + "/members/{member_id}", status_code=204, response_class=Response)
async def remove_member(actor: CurrentActor, conversation_id: PathId, member_id: PathId, uow: UoW) -> None:
    await conversations.check_remove_member(uow, actor, conversation_id, member_id)


@router.put(CONVERSATION + "/members/{member_id}/role")
async def set_member_role(
    actor: CurrentActor, conversation_id: PathId, member_id: PathId, body: RoleSet, uow: UoW
) -> ConversationView:
    return await conversations.check_set_role(uow, actor, conversation_id, member_id, role=body.role)


# --- messages ---------------------------------------------------------------------------


@router.get(CONVERSATION + "/messages")
async def list_messages(
    actor: CurrentActor,
    session: ReadSession,
    conversation_id: PathId,
    before_seq: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    after_seq: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> MessageList:
    return await queries.list_messages(
        session, actor, conversation_id, before_seq=before_seq, after_seq=after_seq, limit=limit
    )


@router.post(CONVERSATION + "/messages", status_code=201)
async def send_message(
    actor: CurrentActor, conversation_id: PathId, body: MessageCreate, uow: UoW, limits: Limits, response: Response
) -> MessageRead:
    """201 with the new message; 200 with the first one when client_msg_id repeats a send."""
    sent = await sending.check_send_message(uow, actor, conversation_id, body, limits=limits)
    if not sent.created:
        response.status_code = 200
    return sent.message


@router.post(MESSAGE + "/recall")
async def recall_message(
    actor: CurrentActor, conversation_id: PathId, message_id: PathId, uow: UoW, limits: Limits
) -> MessageRead:
    return await messages.check_recall_message(uow, actor, conversation_id, message_id, limits=limits)


@router.post(MESSAGE + "/forward", status_code=201)
async def forward_message(
    actor: CurrentActor, conversation_id: PathId, message_id: PathId, body: ForwardCreate, uow: UoW, limits: Limits
) -> list[MessageRead]:
    return await messages.check_forward_message(uow, actor, conversation_id, message_id, body, limits=limits)


@router.put(MESSAGE + "/pin")
async def pin_message(actor: CurrentActor, conversation_id: PathId, message_id: PathId, uow: UoW, limits: Limits) -> MessageRead:
    return await messages.check_pin_message(uow, actor, conversation_id, message_id, pinned=True, limits=limits)


@router.delete(MESSAGE + "/pin")
async def unpin_message(
    actor: CurrentActor, conversation_id: PathId, message_id: PathId, uow: UoW, limits: Limits
) -> MessageRead:
    return await messages.check_pin_message(uow, actor, conversation_id, message_id, pinned=False, limits=limits)


@router.get(CONVERSATION + "/pins")
async def list_pinned_messages(actor: CurrentActor, session: ReadSession, conversation_id: PathId) -> list[MessageRead]:
    return await queries.list_pinned_messages(session, actor, conversation_id)


@router.post(CONVERSATION + "/read")
async def mark_read(actor: CurrentActor, conversation_id: PathId, body: ReadMark, uow: UoW) -> ReadPointerRead:
    return await sending.check_mark_read(uow, actor, conversation_id, seq=body.seq)


@router.get(MESSAGE + "/unread_count")
async def get_unread_count(
    actor: CurrentActor, session: ReadSession, conversation_id: PathId, message_id: PathId
) -> MessageUnreadCount:
    return await queries.get_unread_count(session, actor, conversation_id, message_id)


@router.get(MESSAGE + "/receipts")
async def list_receipts(
    actor: CurrentActor,
    session: ReadSession,
    conversation_id: PathId,
    message_id: PathId,
    state: Literal["read", "unread"] = "unread",
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> ReceiptList:
    return await queries.list_receipts(
        session, actor, conversation_id, message_id, state=state, offset=offset, limit=limit
    )


@router.get("/messages/search")
async def search_messages(
    actor: CurrentActor,
    session: ReadSession,
    q: Annotated[str, Query(min_length=1, max_length=100), AfterValidator(plain_text)],
    conversation_id: QueryId | None = None,
    sender_member_id: QueryId | None = None,
    since: UtcDateTime | None = None,
    until: UtcDateTime | None = None,
    before_id: QueryId | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchResult:
    return await queries.search_messages(
        session,
        actor,
        q,
        conversation_id=conversation_id,
        sender_member_id=sender_member_id,
        since=since,
        until=until,
        before_id=before_id,
        limit=limit,
    )


# --- images and files -------------------------------------------------------------------


@router.post(CONVERSATION + "/files", status_code=201)
async def upload_file(
    request: Request,
    actor: CurrentActor,
    conversation_id: PathId,
    file: UploadFile,
    uow: UoW,
    limits: Limits,
    kind: Annotated[str, Form(pattern="^(image|file)$")] = "file",
) -> FileRead:
    """Upload first, then send a message of kind image/file with the returned id."""
    cap = limits.max_image_bytes if kind == "image" else limits.max_file_bytes
    data = await file.read(cap + 1)
    return await files.check_upload_file(
        uow,
        actor,
        conversation_id,
        name=file.filename,
        declared_type=file.content_type,
        data=data,
        as_image=kind == "image",
        data_dir=request.app.state.settings.data_dir,
        limits=limits,
    )


@router.get(CONVERSATION + "/files/{file_id}")
async def download_file(
    request: Request, actor: CurrentActor, session: ReadSession, conversation_id: PathId, file_id: PathId
) -> FileResponse:
    found = await queries.get_file(session, actor, conversation_id, file_id, data_dir=request.app.state.settings.data_dir)
    return FileResponse(
        found.path,
        media_type=found.content_type,
        filename=found.name,
        content_disposition_type="inline" if found.inline else "attachment",
        headers={"x-content-type-options": "nosniff", "cache-control": "private, max-age=86400"},
    )


# --- over the realtime socket -----------------------------------------------------------
# The gateway (tack.realtime.gateway) plays FastAPI's part for frames: it opens one unit of
# work for a batch of frames from any number of sockets, checks each socket's session and
# builds its actor, then calls one of these with the frames of one op, in arrival order.
# Each answer is the ack's body, or the error that frame is refused with.

SocketAnswer = BaseModel | AppError | ValidationError
FrameT = TypeVar("FrameT", SendFrame, ReadFrame)


# (actor, frame, origin): what the gateway's batcher hands each op (realtime.batching.OpFrame);
# origin is the sending socket's client queue, already informed by its answer.
OpFrame = tuple[Actor, dict[str, Any], str | None]


def _parse_frames(frames: list[OpFrame], model: type[FrameT]) -> tuple[list[SocketAnswer | None], list[tuple[int, Actor, FrameT, str | None]]]:
    """Each frame validated: the refused ones already answered, the others with their place."""
    answers: list[SocketAnswer | None] = [None] * len(frames)
    parsed: list[tuple[int, Actor, FrameT, str | None]] = []
    for i, (actor, frame, origin) in enumerate(frames):
        try:
            parsed.append((i, actor, model.model_validate(frame), origin))
        except ValidationError as exc:
            answers[i] = exc
    return answers, parsed


async def socket_send(uow: UnitOfWork, frames: list[OpFrame], state: Any) -> list[SocketAnswer]:
    """{"op": "send"}: the same action, validation and client_msg_id idempotency as POST .../messages."""
    answers, parsed = _parse_frames(frames, SendFrame)
    requests = [sending.SendRequest(actor, f.conversation_id, f.message) for _, actor, f, _ in parsed]
    for (i, _, _, _), sent in zip(parsed, await sending.check_send_messages(uow, requests, limits=state.chat_limits), strict=True):
        answers[i] = sent if isinstance(sent, AppError) else SendAck(created=sent.created, message=sent.message)
    return answers  # type: ignore[return-value]


async def socket_read(uow: UnitOfWork, frames: list[OpFrame], state: Any) -> list[SocketAnswer]:
    """{"op": "read"}: advances the read pointer like POST .../read; the socket's own queue
    learns the new pointer from the ack, not from a read/update as well."""
    answers, parsed = _parse_frames(frames, ReadFrame)
    requests = [sending.ReadRequest(actor, f.conversation_id, f.seq, origin) for _, actor, f, origin in parsed]
    for (i, _, _, _), read in zip(parsed, await sending.check_mark_reads(uow, requests), strict=True):
        answers[i] = read
    return answers  # type: ignore[return-value]


SOCKET_OPS = {"send": socket_send, "read": socket_read}


# --- read receipts ahead of the router ------------------------------------------------------

RECEIPT_PATH = re.compile(r"/api/v1/orgs/([0-9]{1,19})/conversations/([0-9]{1,19})/messages/([0-9]{1,19})/(unread_count|receipts)")
_PLAIN_INT = re.compile(r"[0-9]{1,19}")


class ReceiptsFastPath:
    """ASGI middleware (main.py adds it) that answers GET .../messages/{id}/unread_count and
    .../receipts with a bearer token without FastAPI's routing and dependency chain, which
    cost more server CPU than the lookups themselves (docs/performance.md, chat): the path
    and query are parsed here, the session and actor resolved in one read
    (directory.access.actors_for_sessions, as get_caller + actor_for_org decide them), then
    the same query functions as the routes above, on one read session. Errors are rendered by
    the app's own handlers.

    Anything else goes on to the FastAPI routes, so their answers stay exactly FastAPI's: no
    bearer token (browsers' cookies), an id or a query value that is not a plain in-range
    number or state, a repeated or unknown query parameter, another method."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not (match := RECEIPT_PATH.fullmatch(scope["path"])):
            await self.app(scope, receive, send)
            return
        plain = _plain_receipt_request(scope, match)
        if plain is None:
            await self.app(scope, receive, send)
            return
        token_hash, org_id, conversation_id, message_id, what, params = plain
        app = scope["app"]
        try:
            async with app.state.read_sessionmaker() as session:
                found = (await actors_for_sessions(session, org_id, [token_hash], utc_now()))[token_hash]
                if isinstance(found, AppError):
                    raise found
                if what == "unread_count":
                    answer: BaseModel = await queries.get_unread_count(session, found, conversation_id, message_id)
                else:
                    answer = await queries.list_receipts(session, found, conversation_id, message_id, **params)  # type: ignore[arg-type]
        except AppError as exc:
            handler = next(app.exception_handlers[c] for c in type(exc).__mro__ if c in app.exception_handlers)
            response = handler(Request(scope), exc)
            if inspect.isawaitable(response):
                response = await response
            await response(scope, receive, send)
            return
        await Response(answer.model_dump_json(), media_type="application/json")(scope, receive, send)


def _plain_receipt_request(scope: Scope, match: re.Match[str]) -> tuple[str, int, int, int, str, dict[str, Any]] | None:
    org_id, conversation_id, message_id = (int(match.group(i)) for i in (1, 2, 3))
    if not all(1 <= i <= MAX_ID for i in (org_id, conversation_id, message_id)):
        return None
    authorization = b""
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
            break
    if authorization[:7].lower() != b"bearer ":
        return None
    token = authorization[7:].strip().decode("latin-1")
    if not token:
        return None
    what = match.group(4)
    params: dict[str, Any] = {"state": "unread", "offset": 0, "limit": 100}
    seen: set[str] = set()
    for key, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        if key in seen or what == "unread_count" or key not in params:
            return None
        seen.add(key)
        if key == "state":
            if value not in ("read", "unread"):
                return None
            params[key] = value
        else:
            if not _PLAIN_INT.fullmatch(value):
                return None
            number = int(value)
            if not (0 <= number <= MAX_ID if key == "offset" else 1 <= number <= 100):
                return None
            params[key] = number
    return hash_token(token), org_id, conversation_id, message_id, what, params
