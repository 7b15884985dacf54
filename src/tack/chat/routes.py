"""Chat HTTP routes under /api/v1/orgs/{org_id}: conversations, members, messages, receipts, search."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.ext.asyncio import AsyncSession

from tack.chat import queries
from tack.chat.actions import conversations, files, managed, messages, settings
from tack.chat.limits import ChatLimits
from tack.chat.schemas import (
    ChatOrgSettings,
    ConversationList,
    ConversationMemberList,
    ConversationUpdate,
    ConversationRead,
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
    ReadMark,
    ReadPointerRead,
    ReceiptList,
    RoleSet,
    SearchResult,
    SettingsRead,
    SettingsUpdate,
)
from tack.directory.auth import CurrentActor
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


# --- groups kept in step with the directory ---------------------------------------------


@router.put("/departments/{department_id}/group")
async def set_department_group(
    actor: CurrentActor, department_id: int, body: DepartmentGroupSet, uow: UoW
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
    offset: Annotated[int, Query(ge=0)] = 0,
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
async def get_conversation(actor: CurrentActor, session: ReadSession, conversation_id: int) -> ConversationView:
    return await queries.get_conversation(session, actor, conversation_id)


@router.patch(CONVERSATION)
async def update_conversation(
    actor: CurrentActor, conversation_id: int, body: ConversationUpdate, uow: UoW
) -> ConversationView:
    return await conversations.check_update_conversation(uow, actor, conversation_id, body)


@router.put(CONVERSATION + "/settings")
async def update_settings(actor: CurrentActor, conversation_id: int, body: SettingsUpdate, uow: UoW) -> SettingsRead:
    return await conversations.check_update_settings(uow, actor, conversation_id, body)


@router.post(CONVERSATION + "/dissolve")
async def dissolve_group(actor: CurrentActor, conversation_id: int, uow: UoW) -> ConversationView:
    return await conversations.check_dissolve(uow, actor, conversation_id)


@router.post(CONVERSATION + "/leave", status_code=204, response_class=Response)
async def leave_group(actor: CurrentActor, conversation_id: int, uow: UoW) -> None:
    await conversations.check_leave(uow, actor, conversation_id)


@router.post(CONVERSATION + "/transfer")
async def transfer_group(actor: CurrentActor, conversation_id: int, body: OwnerTransfer, uow: UoW) -> ConversationView:
    return await conversations.check_transfer_owner(uow, actor, conversation_id, body.member_id)


# --- members ----------------------------------------------------------------------------


@router.get(CONVERSATION + "/members")
async def list_conversation_members(
    actor: CurrentActor,
    session: ReadSession,
    conversation_id: int,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> ConversationMemberList:
    return await queries.list_conversation_members(session, actor, conversation_id, offset=offset, limit=limit)


@router.post(CONVERSATION + "/members")
async def add_members(
    actor: CurrentActor, conversation_id: int, body: MembersAdd, uow: UoW, limits: Limits
) -> ConversationView:
    return await conversations.check_add_members(uow, actor, conversation_id, body, limits=limits)


@router.delete(CONVERSATION + "/members/{member_id}", status_code=204, response_class=Response)
async def remove_member(actor: CurrentActor, conversation_id: int, member_id: int, uow: UoW) -> None:
    await conversations.check_remove_member(uow, actor, conversation_id, member_id)


@router.put(CONVERSATION + "/members/{member_id}/role")
async def set_member_role(
    actor: CurrentActor, conversation_id: int, member_id: int, body: RoleSet, uow: UoW
) -> ConversationView:
    return await conversations.check_set_role(uow, actor, conversation_id, member_id, role=body.role)


# --- messages ---------------------------------------------------------------------------


@router.get(CONVERSATION + "/messages")
async def list_messages(
    actor: CurrentActor,
    session: ReadSession,
    conversation_id: int,
    before_seq: Annotated[int | None, Query(ge=1)] = None,
    after_seq: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> MessageList:
    return await queries.list_messages(
        session, actor, conversation_id, before_seq=before_seq, after_seq=after_seq, limit=limit
    )


@router.post(CONVERSATION + "/messages", status_code=201)
async def send_message(
    actor: CurrentActor, conversation_id: int, body: MessageCreate, uow: UoW, limits: Limits, response: Response
) -> MessageRead:
    """201 with the new message; 200 with the first one when client_msg_id repeats a send."""
    sent = await messages.check_send_message(uow, actor, conversation_id, body, limits=limits)
    if not sent.created:
        response.status_code = 200
    return sent.message


@router.post(MESSAGE + "/recall")
async def recall_message(
    actor: CurrentActor, conversation_id: int, message_id: int, uow: UoW, limits: Limits
) -> MessageRead:
    return await messages.check_recall_message(uow, actor, conversation_id, message_id, limits=limits)


@router.post(MESSAGE + "/forward", status_code=201)
async def forward_message(
    actor: CurrentActor, conversation_id: int, message_id: int, body: ForwardCreate, uow: UoW, limits: Limits
) -> list[MessageRead]:
    return await messages.check_forward_message(uow, actor, conversation_id, message_id, body, limits=limits)


@router.put(MESSAGE + "/pin")
async def pin_message(actor: CurrentActor, conversation_id: int, message_id: int, uow: UoW, limits: Limits) -> MessageRead:
    return await messages.check_pin_message(uow, actor, conversation_id, message_id, pinned=True, limits=limits)


@router.delete(MESSAGE + "/pin")
async def unpin_message(
    actor: CurrentActor, conversation_id: int, message_id: int, uow: UoW, limits: Limits
) -> MessageRead:
    return await messages.check_pin_message(uow, actor, conversation_id, message_id, pinned=False, limits=limits)


@router.get(CONVERSATION + "/pins")
async def list_pinned_messages(actor: CurrentActor, session: ReadSession, conversation_id: int) -> list[MessageRead]:
    return await queries.list_pinned_messages(session, actor, conversation_id)


@router.post(CONVERSATION + "/read")
async def mark_read(actor: CurrentActor, conversation_id: int, body: ReadMark, uow: UoW) -> ReadPointerRead:
    return await messages.check_mark_read(uow, actor, conversation_id, seq=body.seq)


@router.get(MESSAGE + "/unread_count")
async def get_unread_count(
    actor: CurrentActor, session: ReadSession, conversation_id: int, message_id: int
) -> MessageUnreadCount:
    return await queries.get_unread_count(session, actor, conversation_id, message_id)


@router.get(MESSAGE + "/receipts")
async def list_receipts(
    actor: CurrentActor,
    session: ReadSession,
    conversation_id: int,
    message_id: int,
    state: Literal["read", "unread"] = "unread",
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> ReceiptList:
    return await queries.list_receipts(
        session, actor, conversation_id, message_id, state=state, offset=offset, limit=limit
    )


@router.get("/messages/search")
async def search_messages(
    actor: CurrentActor,
    session: ReadSession,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    conversation_id: int | None = None,
    sender_member_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
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
    conversation_id: int,
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
    request: Request, actor: CurrentActor, session: ReadSession, conversation_id: int, file_id: int
) -> FileResponse:
    found = await queries.get_file(session, actor, conversation_id, file_id, data_dir=request.app.state.settings.data_dir)
    return FileResponse(
        found.path,
        media_type=found.content_type,
        filename=found.name,
        content_disposition_type="inline" if found.inline else "attachment",
        headers={"x-content-type-options": "nosniff", "cache-control": "private, max-age=86400"},
    )
