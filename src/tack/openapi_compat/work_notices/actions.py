"""Sending work notifications: check and store the task with its recipients, then deliver in
chunks through durable jobs (each chunk posts into the recipients' 工作通知 conversations).

Recipient policy (DingTalk's, where Tack has the concept):
- userid_list: active members the app may see; other ids are reported in invalid_user_id_list.
- dept_id_list: every active member of those departments and their sub-departments; unknown
  departments are reported in invalid_dept_id_list.
- to_all_user: every active member of the org. A member named twice gets one message.
- Members without an account still get the message (they see it once they sign in).
Not done: DingTalk's per-user daily caps and "same content once a day" filtering
(forbidden_user_id_list is always empty).
"""

from typing import Any


from tack.chat.actions.work_notices import do_post_work_notice
from tack.core.clock import utc_now
from tack.core.errors import BadRequest
from tack.directory.access import load_tree
from tack.directory.queries import active_member_ids_stmt, visible_member_contacts
from tack.openapi_compat.contact import ids
from tack.openapi_compat.contact.queries import root_id
from tack.openapi_compat.tokens import AppCaller
from tack.openapi_compat.work_notices.messages import to_chat
from tack.openapi_compat.work_notices.models import WorkNotice
from tack.openapi_compat.work_notices.repository import WorkNoticeRecipientRepository, WorkNoticeRepository
from tack.storage.uow import UnitOfWork

DELIVER_JOB = "openapi_compat.work_notice_deliver"
CHUNK = 200
MAX_USERS = 5000
MAX_DEPTS = 500


class NoRecipients(BadRequest):
    code = "work_notice_no_recipients"
    message = "Give userid_list, dept_id_list or to_all_user"


async def _recipients(
    uow: UnitOfWork, caller: AppCaller, userids: list[str], dept_ids: list[int], to_all: bool
) -> tuple[list[int], list[str], list[int]]:
    """(member ids, invalid userids, invalid department ids)."""
    org_id = caller.org_id
    session = uow.session
    members: set[int] = set()
    invalid_users: list[str] = []
    invalid_depts: list[int] = []
    if to_all:
        members.update((await session.execute(active_member_ids_stmt(org_id))).scalars())
    parsed = {u: ids.member_id_of(u) for u in userids}
    found = await visible_member_contacts(session, caller.actor, {m for m in parsed.values() if m is not None})
    for userid, member_id in parsed.items():
        if member_id is not None and member_id in found:
            members.add(member_id)
        else:
            invalid_users.append(userid)
    if dept_ids:
        tree = await load_tree(session, org_id)
        root = await root_id(session, caller)
        wanted: set[int] = set()
        for dept in dept_ids:
            internal = ids.internal_department(dept, root)
            if internal in tree:
                wanted |= tree.subtree(internal)
            else:
                invalid_depts.append(dept)
        if wanted:
            members.update((await session.execute(active_member_ids_stmt(org_id, wanted))).scalars())
    return sorted(members), invalid_users, invalid_depts


async def check_send_work_notice(
    uow: UnitOfWork, caller: AppCaller, *, msg: Any, userids: list[str], dept_ids: list[int], to_all: bool
) -> int:
    """Stores the task and its recipients and enqueues the first delivery chunk; the task id
    is returned at once (DingTalk's asyncsend is asynchronous too)."""
    msgtype, kind, content = to_chat(msg, caller.name)
    if not userids and not dept_ids and not to_all:
        raise NoRecipients()
    if len(userids) > MAX_USERS or len(dept_ids) > MAX_DEPTS:
        raise BadRequest(f"At most {MAX_USERS} users and {MAX_DEPTS} departments", code="work_notice_too_many")
    members, invalid_users, invalid_depts = await _recipients(uow, caller, userids, dept_ids, to_all)
    repo = WorkNoticeRepository(uow.session, caller.org_id)
    notice = repo.add(
        WorkNotice(
            app_id=caller.app_id,
            msgtype=msgtype,
            msg={"original": msg, "kind": kind, "content": content},
            to_all_user=to_all,
            status="pending" if members else "done",
            total=len(members),
            sent=0,
            invalid_user_ids=invalid_users,
            invalid_dept_ids=invalid_depts,
            created_at=utc_now(),
            finished_at=None if members else utc_now(),
        )
    )
    await repo.flush()
    if members:
        await WorkNoticeRecipientRepository(uow.session, caller.org_id).add_many(notice.id, members)
        uow.enqueue(DELIVER_JOB, {"org_id": caller.org_id, "notice_id": notice.id}, org_id=caller.org_id,
                    dedupe_key=f"work_notice:{notice.id}:0")
    return notice.id


async def do_deliver_chunk(uow: UnitOfWork, org_id: int, notice_id: int) -> int:
    """Posts the next CHUNK pending messages, and enqueues the next chunk while any remain.
    Runs inside the job's transaction: a chunk is delivered and counted exactly once."""
    notice = await WorkNoticeRepository(uow.session, org_id).get_locked(notice_id)
    if notice is None or notice.status == "done":
        return 0
    recipients = WorkNoticeRecipientRepository(uow.session, org_id)
    pending = await recipients.pending(notice_id, CHUNK)
    now = utc_now()
    for member_id in pending:
        conversation_id, message_id, seq = await do_post_work_notice(
            uow, org_id, member_id, kind=notice.msg["kind"], content=dict(notice.msg["content"])
        )
        await recipients.mark_sent(notice_id, member_id, conversation_id=conversation_id, message_id=message_id, seq=seq, at=now)
    notice.sent += len(pending)
    if len(pending) < CHUNK or notice.sent >= notice.total:
        notice.status = "done"
        notice.finished_at = now
    else:
        notice.status = "sending"
        uow.enqueue(DELIVER_JOB, {"org_id": org_id, "notice_id": notice_id}, org_id=org_id,
                    dedupe_key=f"work_notice:{notice_id}:{notice.sent}")
    await uow.session.flush()
    return len(pending)


