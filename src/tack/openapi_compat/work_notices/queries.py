"""Send progress and result of a work notification, for the app that sent it only."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from tack.chat.queries import last_read_seqs
from tack.core.errors import NotFound
from tack.openapi_compat.contact import ids
from tack.openapi_compat.tokens import AppCaller
from tack.openapi_compat.work_notices.repository import WorkNoticeRecipientRepository, WorkNoticeRepository


class WorkNoticeNotFound(NotFound):
    code = "work_notice_not_found"
    message = "No such work notification task"


@dataclass(frozen=True, slots=True)
class Progress:
    percent: int
    status: int  # DingTalk's: 0 not started, 1 in progress, 2 finished


@dataclass(slots=True)
class SendResult:
    invalid_user_ids: list[str] = field(default_factory=list)
    invalid_dept_ids: list[int] = field(default_factory=list)
    read_user_ids: list[str] = field(default_factory=list)
    unread_user_ids: list[str] = field(default_factory=list)
    failed_user_ids: list[str] = field(default_factory=list)
    forbidden_user_ids: list[str] = field(default_factory=list)


async def get_progress(session: AsyncSession, caller: AppCaller, task_id: int) -> Progress:
    notice = await WorkNoticeRepository(session, caller.org_id).of_app(caller.app_id, task_id)
    if notice is None:
        raise WorkNoticeNotFound()
    if notice.status == "done":
        return Progress(100, 2)
    percent = notice.sent * 100 // notice.total if notice.total else 0
    return Progress(percent, 1 if notice.sent else 0)


async def get_result(session: AsyncSession, caller: AppCaller, task_id: int) -> SendResult:
    """Read / unread come from the recipients' read pointers in their 工作通知 conversation;
    a message not delivered yet counts as unread."""
    notice = await WorkNoticeRepository(session, caller.org_id).of_app(caller.app_id, task_id)
    if notice is None:
        raise WorkNoticeNotFound()
    result = SendResult(invalid_user_ids=list(notice.invalid_user_ids), invalid_dept_ids=list(notice.invalid_dept_ids))
    rows = await WorkNoticeRecipientRepository(session, caller.org_id).all(task_id)
    pointers = await last_read_seqs(session, caller.org_id, [r.conversation_id for r in rows if r.conversation_id])
    for row in rows:
        read = row.seq is not None and pointers.get((row.conversation_id, row.member_id), 0) >= row.seq
        (result.read_user_ids if read else result.unread_user_ids).append(ids.userid(row.member_id))
    return result
