"""Statements on work notices and their recipients, each scoped by org."""

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from tack.openapi_compat.work_notices.models import WorkNotice, WorkNoticeRecipient
from tack.storage.repository import OrgRepository


class WorkNoticeRepository(OrgRepository[WorkNotice]):
    model = WorkNotice

    async def of_app(self, app_id: int, notice_id: int) -> WorkNotice | None:
        stmt = self.base().where(WorkNotice.id == notice_id, WorkNotice.app_id == app_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_locked(self, notice_id: int) -> WorkNotice | None:
        stmt = self.base().where(WorkNotice.id == notice_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()


class WorkNoticeRecipientRepository(OrgRepository[WorkNoticeRecipient]):
    model = WorkNoticeRecipient

    async def add_many(self, notice_id: int, member_ids: list[int]) -> None:
        for start in range(0, len(member_ids), 1000):
            rows = [{"org_id": self.org_id, "notice_id": notice_id, "member_id": m} for m in member_ids[start : start + 1000]]
            await self.session.execute(insert(WorkNoticeRecipient), rows)

    async def pending(self, notice_id: int, limit: int) -> list[int]:
        stmt = (
            select(WorkNoticeRecipient.member_id)
            .where(
                WorkNoticeRecipient.org_id == self.org_id,
                WorkNoticeRecipient.notice_id == notice_id,
                WorkNoticeRecipient.sent_at.is_(None),
            )
            .order_by(WorkNoticeRecipient.member_id)
            .limit(limit)
        )
        return await self.scalars(stmt)

    async def mark_sent(self, notice_id: int, member_id: int, *, conversation_id: int, message_id: int, seq: int, at: datetime) -> None:
        await self.session.execute(
            update(WorkNoticeRecipient)
            .where(
                WorkNoticeRecipient.org_id == self.org_id,
                WorkNoticeRecipient.notice_id == notice_id,
                WorkNoticeRecipient.member_id == member_id,
            )
            .values(conversation_id=conversation_id, message_id=message_id, seq=seq, sent_at=at)
        )

    async def all(self, notice_id: int) -> list[Any]:
        stmt = select(
            WorkNoticeRecipient.member_id, WorkNoticeRecipient.conversation_id, WorkNoticeRecipient.seq, WorkNoticeRecipient.sent_at
        ).where(WorkNoticeRecipient.org_id == self.org_id, WorkNoticeRecipient.notice_id == notice_id)
        return list((await self.session.execute(stmt.order_by(WorkNoticeRecipient.member_id))).all())
