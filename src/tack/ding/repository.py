"""Statements on DING's own tables; each starts from OrgRepository.base() or filters org_id."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from tack.ding.models import Ding, DingDelivery, DingOrgSettings, DingRecipient
from tack.storage.repository import OrgRepository


class DingSettingsRepository(OrgRepository[DingOrgSettings]):
    model = DingOrgSettings

    async def current(self) -> DingOrgSettings | None:
        return (await self.session.execute(self.base())).scalar_one_or_none()


class DingRepository(OrgRepository[Ding]):
    model = Ding

    async def get_locked(self, ding_id: int) -> Ding | None:
        stmt = self.base().where(Ding.id == ding_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_idempotency_key(self, sender_member_id: int, key: str) -> Ding | None:
        stmt = self.base().where(Ding.sender_member_id == sender_member_id, Ding.idempotency_key == key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def paid_since(self, sender_member_id: int, since: datetime) -> int:
        stmt = select(func.count()).select_from(Ding).where(
            Ding.org_id == self.org_id,
            Ding.sender_member_id == sender_member_id,
            Ding.created_at >= since,
            Ding.paid.is_(True),
            Ding.status != "cancelled",
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def sent_page(self, sender_member_id: int, *, before_id: int | None, limit: int) -> list[Ding]:
        stmt = self.base().where(Ding.sender_member_id == sender_member_id)
        if before_id is not None:
            stmt = stmt.where(Ding.id < before_id)
        return await self.scalars(stmt.order_by(Ding.id.desc()).limit(limit))


class DingRecipientRepository(OrgRepository[DingRecipient]):
    model = DingRecipient

    async def one(self, ding_id: int, member_id: int) -> DingRecipient | None:
        stmt = self.base().where(DingRecipient.ding_id == ding_id, DingRecipient.member_id == member_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add_many(self, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), 1000):
            await self.session.execute(insert(DingRecipient), [{"org_id": self.org_id, **r} for r in rows[start : start + 1000]])

    async def unconfirmed_ids(self, ding_id: int) -> list[int]:
        stmt = select(DingRecipient.member_id).where(
            DingRecipient.org_id == self.org_id, DingRecipient.ding_id == ding_id, DingRecipient.confirmed_at.is_(None)
        )
        return await self.scalars(stmt.order_by(DingRecipient.member_id))

    async def member_ids(self, ding_id: int) -> list[int]:
        stmt = select(DingRecipient.member_id).where(DingRecipient.org_id == self.org_id, DingRecipient.ding_id == ding_id)
        return await self.scalars(stmt.order_by(DingRecipient.member_id))

    async def of_members(self, ding_id: int, member_ids: list[int]) -> list[DingRecipient]:
        stmt = self.base().where(DingRecipient.ding_id == ding_id, DingRecipient.member_id.in_(member_ids))
        return await self.scalars(stmt.order_by(DingRecipient.member_id))

    async def confirm(self, ding_id: int, member_id: int, at: datetime) -> bool:
        result = await self.session.execute(
            update(DingRecipient)
            .where(
                DingRecipient.org_id == self.org_id,
                DingRecipient.ding_id == ding_id,
                DingRecipient.member_id == member_id,
                DingRecipient.confirmed_at.is_(None),
            )
            .values(confirmed_at=at)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    async def mark_delivered(self, ding_id: int, at: datetime) -> None:
        await self.session.execute(
            update(DingRecipient)
            .where(DingRecipient.org_id == self.org_id, DingRecipient.ding_id == ding_id, DingRecipient.delivered_at.is_(None))
            .values(delivered_at=at)
        )

    async def set_reminded(self, ding_id: int, member_ids: list[int], round_: int) -> None:
        for start in range(0, len(member_ids), 5000):
            await self.session.execute(
                update(DingRecipient)
                .where(
                    DingRecipient.org_id == self.org_id,
                    DingRecipient.ding_id == ding_id,
                    DingRecipient.member_id.in_(member_ids[start : start + 5000]),
                    DingRecipient.reminders < round_,
                )
                .values(reminders=round_)
            )

    async def set_escalated(self, ding_id: int, member_ids: list[int], channel: str) -> None:
        for start in range(0, len(member_ids), 5000):
            await self.session.execute(
                update(DingRecipient)
                .where(
                    DingRecipient.org_id == self.org_id,
                    DingRecipient.ding_id == ding_id,
                    DingRecipient.member_id.in_(member_ids[start : start + 5000]),
                )
                .values(escalated_channel=channel)
            )

    async def counts(self, ding_ids: list[int]) -> dict[int, tuple[int, int]]:
        """(recipients, confirmed) per DING, one grouped query."""
        if not ding_ids:
            return {}
        stmt = (
            select(DingRecipient.ding_id, func.count(), func.count(DingRecipient.confirmed_at))
            .where(DingRecipient.org_id == self.org_id, DingRecipient.ding_id.in_(ding_ids))
            .group_by(DingRecipient.ding_id)
        )
        return {d: (int(n), int(c)) for d, n, c in (await self.session.execute(stmt)).all()}

    async def received_page(
        self, member_id: int, *, state: str, before_id: int | None, limit: int
    ) -> list[tuple[DingRecipient, Ding]]:
        stmt = (
            select(DingRecipient, Ding)
            .join(Ding, Ding.id == DingRecipient.ding_id)
            .where(
                DingRecipient.org_id == self.org_id,
                DingRecipient.member_id == member_id,
                Ding.org_id == self.org_id,
                Ding.status == "sent",
            )
        )
        if state == "pending":
            stmt = stmt.where(DingRecipient.confirmed_at.is_(None))
        elif state == "confirmed":
            stmt = stmt.where(DingRecipient.confirmed_at.is_not(None))
        if before_id is not None:
            stmt = stmt.where(DingRecipient.ding_id < before_id)
        rows = await self.session.execute(stmt.order_by(DingRecipient.ding_id.desc()).limit(limit))
        return [(r, d) for r, d in rows.all()]

    async def page(self, ding_id: int, *, state: str, offset: int, limit: int) -> list[DingRecipient]:
        stmt = self.base().where(DingRecipient.ding_id == ding_id)
        if state == "confirmed":
            stmt = stmt.where(DingRecipient.confirmed_at.is_not(None))
        elif state == "unconfirmed":
            stmt = stmt.where(DingRecipient.confirmed_at.is_(None))
        return await self.scalars(stmt.order_by(DingRecipient.member_id).offset(offset).limit(limit))


class DingDeliveryRepository(OrgRepository[DingDelivery]):
    model = DingDelivery

    async def add_many(self, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), 1000):
            await self.session.execute(insert(DingDelivery), [{"org_id": self.org_id, **r} for r in rows[start : start + 1000]])

    async def attempts(self, ding_id: int, member_id: int, kind: str, round_: int, channel: str) -> list[DingDelivery]:
        stmt = self.base().where(
            DingDelivery.ding_id == ding_id,
            DingDelivery.member_id == member_id,
            DingDelivery.kind == kind,
            DingDelivery.round == round_,
            DingDelivery.channel == channel,
        )
        return await self.scalars(stmt.order_by(DingDelivery.attempt))

    async def of_ding(self, ding_id: int) -> list[DingDelivery]:
        return await self.scalars(self.base().where(DingDelivery.ding_id == ding_id).order_by(DingDelivery.id))
