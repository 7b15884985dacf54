"""Uploads for forms and comments, and leave balances set by admins."""

from pathlib import Path

from tack.approval.builtins import TRACKED_LEAVE
from tack.approval.models import ApprovalFile, ApprovalLeaveBalance
from tack.approval.repository import FileRepository, LeaveBalanceRepository
from tack.approval.schemas import FileRead, LeaveBalanceList, LeaveBalanceRead, LeaveBalanceSet
from tack.chat.files import sniff_image, store_blob
from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import BadRequest, PayloadTooLarge
from tack.directory.access import MemberNotFound, org_id_of, require_admin
from tack.directory.queries import member_contacts
from tack.storage.uow import UnitOfWork

MAX_FILE_BYTES = 20 * 1024 * 1024


async def check_upload(
    uow: UnitOfWork, actor: Actor, *, name: str | None, declared_type: str | None, data: bytes, as_image: bool, data_dir: Path
) -> FileRead:
    """Stores an upload of a member, to be used in one form or comment of theirs. Images must
    really be PNG, JPEG, GIF or WebP. Bytes share chat's blob store (tack.chat.files)."""
    org_id = org_id_of(actor)
    if actor.member_id is None:
        raise MemberNotFound()
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"At most {MAX_FILE_BYTES} bytes", limit=MAX_FILE_BYTES)
    if not data:
        raise BadRequest("The file is empty", code="file_empty")
    image_type = sniff_image(data[:16])
    if as_image and image_type is None:
        raise BadRequest("Images must be PNG, JPEG, GIF or WebP", code="not_an_image")
    relative, _ = store_blob(data_dir, org_id, data)
    row = FileRepository(uow.session, org_id).add(
        ApprovalFile(
            org_id=org_id, uploader_member_id=actor.member_id, instance_id=None,
            name=(name or "file")[:255], size=len(data),
            content_type=image_type or (declared_type or "application/octet-stream")[:100],
            is_image=image_type is not None, path=relative, created_at=utc_now(),
        )
    )
    await uow.session.flush()
    return FileRead(id=row.id, name=row.name, size=row.size, content_type=row.content_type, is_image=row.is_image)


async def check_set_leave_balance(uow: UnitOfWork, actor: Actor, member_id: int, body: LeaveBalanceSet) -> LeaveBalanceList:
    """Owners and admins set what a member has left of a tracked leave type (年假, 调休)."""
    org_id = org_id_of(actor)
    require_admin(actor)
    found = await member_contacts(uow.session, org_id, [member_id])
    if member_id not in found:
        raise MemberNotFound()
    repo = LeaveBalanceRepository(uow.session, org_id)
    row = await repo.one(member_id, body.leave_type)
    halves = int(round(body.days * 2))
    if row is None:
        repo.add(ApprovalLeaveBalance(org_id=org_id, member_id=member_id, leave_type=body.leave_type, half_days=halves, updated_at=utc_now()))
    else:
        row.half_days = halves
        row.updated_at = utc_now()
    await uow.session.flush()
    rows = {r.leave_type: r.half_days for r in await repo.of_member(member_id)}
    return LeaveBalanceList(items=[LeaveBalanceRead(member_id=member_id, leave_type=t, days=rows.get(t, 0) / 2) for t in TRACKED_LEAVE])
