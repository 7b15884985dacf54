"""The audit trail: every admin action writes one entry in the same transaction as the change."""

from typing import Any

from tack.core.actor import Actor
from tack.directory.models import AuditEntry, Member
from tack.directory.repository import AuditRepository, MemberRepository
from tack.storage.uow import UnitOfWork


async def do_audit(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    *,
    target_type: str,
    target_id: int | None,
    target_name: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    assert actor.org_id is not None
    actor_member: Member | None = None
    if actor.member_id:
        actor_member = await MemberRepository(uow.session, actor.org_id).get(actor.member_id)
    AuditRepository(uow.session, actor.org_id).add(
        AuditEntry(
            actor_member_id=actor.member_id,
            actor_name=actor_member.name if actor_member else "system",
            action=action,
            target_type=target_type,
            target_id=target_id,
            target_name=target_name[:128],
            detail=detail or {},
        )
    )
