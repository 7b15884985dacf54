"""Statements on approval's own tables; each starts from OrgRepository.base() or filters org_id."""

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, or_, select, update

from tack.approval.models import (
    ApprovalCc,
    ApprovalEvent,
    ApprovalFile,
    ApprovalInstance,
    ApprovalInvoice,
    ApprovalLeaveBalance,
    ApprovalNotice,
    ApprovalPayment,
    ApprovalRole,
    ApprovalTask,
    ApprovalTemplate,
    ApprovalTemplateVersion,
)
from tack.storage.repository import OrgRepository


# What a list row shows (InstanceSummary): lists select these columns, not whole instances
# with their form values and plan.
SUMMARY_COLUMNS = (
    ApprovalInstance.id,
    ApprovalInstance.template_id,
    ApprovalInstance.kind,
    ApprovalInstance.title,
    ApprovalInstance.status,
    ApprovalInstance.submitter_member_id,
    ApprovalInstance.current_step,
    ApprovalInstance.created_at,
    ApprovalInstance.finished_at,
)


class TemplateRepository(OrgRepository[ApprovalTemplate]):
    model = ApprovalTemplate

    async def all(self) -> list[ApprovalTemplate]:
        return await self.scalars(self.base().order_by(ApprovalTemplate.id))

    async def kinds(self) -> set[str]:
        stmt = select(ApprovalTemplate.kind).where(ApprovalTemplate.org_id == self.org_id)
        return set(await self.scalars(stmt))

    async def get_locked(self, template_id: int) -> ApprovalTemplate | None:
        return (await self.session.execute(self.base().where(ApprovalTemplate.id == template_id).with_for_update())).scalar_one_or_none()


class VersionRepository(OrgRepository[ApprovalTemplateVersion]):
    model = ApprovalTemplateVersion

    async def with_template_name(self, version_id: int) -> tuple[str, int, list[dict[str, Any]]]:
        """The template's current name, the version's number and its form, in one statement."""
        stmt = (
            select(ApprovalTemplate.name, ApprovalTemplateVersion.version, ApprovalTemplateVersion.form)
            .join(ApprovalTemplate, ApprovalTemplate.id == ApprovalTemplateVersion.template_id)
            .where(ApprovalTemplateVersion.org_id == self.org_id, ApprovalTemplateVersion.id == version_id,
                   ApprovalTemplate.org_id == self.org_id)
        )
        name, number, form = (await self.session.execute(stmt)).one()
        return name, number, form


class RoleRepository(OrgRepository[ApprovalRole]):
    model = ApprovalRole

    async def all(self) -> list[ApprovalRole]:
        return await self.scalars(self.base().order_by(ApprovalRole.id))

    async def by_name(self, name: str) -> ApprovalRole | None:
        return (await self.session.execute(self.base().where(ApprovalRole.name == name))).scalar_one_or_none()


class InstanceRepository(OrgRepository[ApprovalInstance]):
    model = ApprovalInstance

    async def get_locked(self, instance_id: int) -> ApprovalInstance | None:
        stmt = self.base().where(ApprovalInstance.id == instance_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def submitted_page(self, member_id: int, *, before_id: int | None, limit: int) -> list[Row[Any]]:
        stmt = select(*SUMMARY_COLUMNS).where(ApprovalInstance.org_id == self.org_id, ApprovalInstance.submitter_member_id == member_id)
        if before_id is not None:
            stmt = stmt.where(ApprovalInstance.id < before_id)
        return list((await self.session.execute(stmt.order_by(ApprovalInstance.id.desc()).limit(limit))).all())

    async def search(
        self,
        *,
        template_id: int | None,
        status: str | None,
        submitter_id: int | None,
        since: datetime | None,
        until: datetime | None,
        text: str | None,
        before_id: int | None,
        limit: int,
        submitter_ids: tuple[int, ...] | None = None,
    ) -> list[ApprovalInstance]:
        stmt = self.base()
        if submitter_ids is not None:
            stmt = stmt.where(ApprovalInstance.submitter_member_id.in_(submitter_ids))
        if template_id is not None:
            stmt = stmt.where(ApprovalInstance.template_id == template_id)
        if status is not None:
            stmt = stmt.where(ApprovalInstance.status == status)
        if submitter_id is not None:
            stmt = stmt.where(ApprovalInstance.submitter_member_id == submitter_id)
        if since is not None:
            stmt = stmt.where(ApprovalInstance.created_at >= since)
        if until is not None:
            stmt = stmt.where(ApprovalInstance.created_at < until)
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(ApprovalInstance.title.like(f"%{escaped}%", escape="\\"))
        if before_id is not None:
            stmt = stmt.where(ApprovalInstance.id < before_id)
        return await self.scalars(stmt.order_by(ApprovalInstance.id.desc()).limit(limit))


class TaskRepository(OrgRepository[ApprovalTask]):
    model = ApprovalTask

    async def of_instance(self, instance_id: int) -> list[ApprovalTask]:
        return await self.scalars(self.base().where(ApprovalTask.instance_id == instance_id).order_by(ApprovalTask.id))

    async def pending_of_step(self, instance_id: int, step: int) -> list[ApprovalTask]:
        stmt = self.base().where(ApprovalTask.instance_id == instance_id, ApprovalTask.step == step, ApprovalTask.status == "pending")
        return await self.scalars(stmt.order_by(ApprovalTask.id))

    async def pending_of_instance(self, instance_id: int) -> list[ApprovalTask]:
        stmt = self.base().where(ApprovalTask.instance_id == instance_id, ApprovalTask.status == "pending")
        return await self.scalars(stmt.order_by(ApprovalTask.id))

    async def mine_pending(self, instance_id: int, member_id: int) -> ApprovalTask | None:
        # The member is picked here, not in SQL: with member_id in the WHERE, SQLite walks the
        # member's index (every pending task of a busy approver) instead of the instance's few.
        return next((t for t in await self.pending_of_instance(instance_id) if t.member_id == member_id), None)

    async def involved(self, instance_id: int, member_id: int) -> bool:
        stmt = select(ApprovalTask.member_id).where(ApprovalTask.org_id == self.org_id, ApprovalTask.instance_id == instance_id)
        return member_id in set(await self.scalars(stmt))

    async def decide(self, task_id: int, status: str, at: datetime) -> bool:
        """Only a task still pending changes: of two simultaneous decisions, one wins."""
        result = await self.session.execute(
            update(ApprovalTask)
            .where(ApprovalTask.org_id == self.org_id, ApprovalTask.id == task_id, ApprovalTask.status == "pending")
            .values(status=status, acted_at=at)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    async def cancel_pending(self, instance_id: int, at: datetime, step: int | None = None) -> list[int]:
        """Cancels pending tasks (of one step, or all); returns the members whose task it was."""
        stmt = select(ApprovalTask.member_id).where(
            ApprovalTask.org_id == self.org_id, ApprovalTask.instance_id == instance_id, ApprovalTask.status == "pending"
        )
        change = update(ApprovalTask).where(
            ApprovalTask.org_id == self.org_id, ApprovalTask.instance_id == instance_id, ApprovalTask.status == "pending"
        )
        if step is not None:
            stmt = stmt.where(ApprovalTask.step == step)
            change = change.where(ApprovalTask.step == step)
        members = list(await self.scalars(stmt))
        await self.session.execute(change.values(status="cancelled", acted_at=at))
        return members

    async def add_many(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(ApprovalTask), [{"org_id": self.org_id, **r} for r in rows])

    async def page(self, member_id: int, *, done: bool, before_id: int | None, limit: int) -> list[Row[Any]]:
        """The viewer's tasks (task_id) with their instances' summary columns, newest first;
        done = decided by them."""
        stmt = (
            select(ApprovalTask.id.label("task_id"), *SUMMARY_COLUMNS)
            .join(ApprovalInstance, ApprovalInstance.id == ApprovalTask.instance_id)
            .where(ApprovalTask.org_id == self.org_id, ApprovalTask.member_id == member_id, ApprovalInstance.org_id == self.org_id)
        )
        if done:
            stmt = stmt.where(ApprovalTask.status.in_(("approved", "rejected", "transferred", "returned")))
        else:
            stmt = stmt.where(ApprovalTask.status == "pending")
        if before_id is not None:
            stmt = stmt.where(ApprovalTask.id < before_id)
        return list((await self.session.execute(stmt.order_by(ApprovalTask.id.desc()).limit(limit))).all())

    async def count_pending(self, member_id: int) -> int:
        stmt = select(func.count()).select_from(ApprovalTask).where(
            ApprovalTask.org_id == self.org_id, ApprovalTask.member_id == member_id, ApprovalTask.status == "pending"
        )
        return int((await self.session.execute(stmt)).scalar_one())


class EventRepository(OrgRepository[ApprovalEvent]):
    model = ApprovalEvent

    async def of_instance(self, instance_id: int) -> list[ApprovalEvent]:
        return await self.scalars(self.base().where(ApprovalEvent.instance_id == instance_id).order_by(ApprovalEvent.id))


class CcRepository(OrgRepository[ApprovalCc]):
    model = ApprovalCc

    async def add_many(self, instance_id: int, member_ids: list[int], at: datetime) -> list[int]:
        """Adds who is not CC'd yet; returns them."""
        have = set(
            await self.scalars(select(ApprovalCc.member_id).where(ApprovalCc.org_id == self.org_id, ApprovalCc.instance_id == instance_id))
        )
        new = [m for m in dict.fromkeys(member_ids) if m not in have]
        if new:
            await self.session.execute(
                insert(ApprovalCc), [{"org_id": self.org_id, "instance_id": instance_id, "member_id": m, "created_at": at} for m in new]
            )
        return new

    async def of_instance(self, instance_id: int) -> list[int]:
        stmt = select(ApprovalCc.member_id).where(ApprovalCc.org_id == self.org_id, ApprovalCc.instance_id == instance_id)
        return list(await self.scalars(stmt.order_by(ApprovalCc.created_at, ApprovalCc.member_id)))

    async def is_cc(self, instance_id: int, member_id: int) -> bool:
        stmt = select(ApprovalCc.member_id).where(
            ApprovalCc.org_id == self.org_id, ApprovalCc.instance_id == instance_id, ApprovalCc.member_id == member_id
        )
        return (await self.session.execute(stmt)).first() is not None

    async def page(self, member_id: int, *, before_id: int | None, limit: int) -> list[Row[Any]]:
        # Ordered by the CC row's instance_id (the same number), so the member's index gives
        # the order and no sort of all their CC rows is needed.
        stmt = (
            select(*SUMMARY_COLUMNS)
            .join(ApprovalCc, ApprovalCc.instance_id == ApprovalInstance.id)
            .where(ApprovalCc.org_id == self.org_id, ApprovalCc.member_id == member_id, ApprovalInstance.org_id == self.org_id)
        )
        if before_id is not None:
            stmt = stmt.where(ApprovalCc.instance_id < before_id)
        return list((await self.session.execute(stmt.order_by(ApprovalCc.instance_id.desc()).limit(limit))).all())


class FileRepository(OrgRepository[ApprovalFile]):
    model = ApprovalFile

    async def bind(self, file_ids: set[int], instance_id: int) -> None:
        if file_ids:
            await self.session.execute(
                update(ApprovalFile)
                .where(ApprovalFile.org_id == self.org_id, ApprovalFile.id.in_(sorted(file_ids)))
                .values(instance_id=instance_id)
            )

    async def of_instance(self, instance_id: int) -> list[ApprovalFile]:
        return await self.scalars(self.base().where(ApprovalFile.instance_id == instance_id).order_by(ApprovalFile.id))


class LeaveBalanceRepository(OrgRepository[ApprovalLeaveBalance]):
    model = ApprovalLeaveBalance

    async def of_member(self, member_id: int) -> list[ApprovalLeaveBalance]:
        return await self.scalars(self.base().where(ApprovalLeaveBalance.member_id == member_id).order_by(ApprovalLeaveBalance.leave_type))

    async def one(self, member_id: int, leave_type: str) -> ApprovalLeaveBalance | None:
        stmt = self.base().where(ApprovalLeaveBalance.member_id == member_id, ApprovalLeaveBalance.leave_type == leave_type)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def take(self, member_id: int, leave_type: str, half_days: int, at: datetime) -> bool:
        """Deducts only if enough is left, in one statement (no lost update between two approvals)."""
        result = await self.session.execute(
            update(ApprovalLeaveBalance)
            .where(
                ApprovalLeaveBalance.org_id == self.org_id,
                ApprovalLeaveBalance.member_id == member_id,
                ApprovalLeaveBalance.leave_type == leave_type,
                ApprovalLeaveBalance.half_days >= half_days,
            )
            .values(half_days=ApprovalLeaveBalance.half_days - half_days, updated_at=at)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    async def give_back(self, member_id: int, leave_type: str, half_days: int, at: datetime) -> None:
        await self.session.execute(
            update(ApprovalLeaveBalance)
            .where(
                ApprovalLeaveBalance.org_id == self.org_id,
                ApprovalLeaveBalance.member_id == member_id,
                ApprovalLeaveBalance.leave_type == leave_type,
            )
            .values(half_days=ApprovalLeaveBalance.half_days + half_days, updated_at=at)
        )


class InvoiceRepository(OrgRepository[ApprovalInvoice]):
    model = ApprovalInvoice

    async def claimed_by_others(self, keys: list[tuple[str, str]], instance_id: int | None) -> list[tuple[str, str]]:
        if not keys:
            return []
        stmt = select(ApprovalInvoice.code, ApprovalInvoice.number).where(
            ApprovalInvoice.org_id == self.org_id,
            or_(*[(ApprovalInvoice.code == c) & (ApprovalInvoice.number == n) for c, n in keys]),
        )
        if instance_id is not None:
            stmt = stmt.where(ApprovalInvoice.instance_id != instance_id)
        return [(c, n) for c, n in await self.session.execute(stmt)]

    async def claim(self, keys: list[tuple[str, str]], instance_id: int, at: datetime) -> None:
        if keys:
            await self.session.execute(
                insert(ApprovalInvoice),
                [{"org_id": self.org_id, "code": c, "number": n, "instance_id": instance_id, "created_at": at} for c, n in keys],
            )

    async def held_by(self, instance_id: int) -> list[tuple[str, str]]:
        stmt = select(ApprovalInvoice.code, ApprovalInvoice.number).where(
            ApprovalInvoice.org_id == self.org_id, ApprovalInvoice.instance_id == instance_id
        )
        return [(c, n) for c, n in await self.session.execute(stmt)]

    async def release(self, instance_id: int) -> None:
        await self.session.execute(
            delete(ApprovalInvoice).where(ApprovalInvoice.org_id == self.org_id, ApprovalInvoice.instance_id == instance_id)
        )


class PaymentRepository(OrgRepository[ApprovalPayment]):
    model = ApprovalPayment

    async def of_instance(self, instance_id: int) -> ApprovalPayment | None:
        return (await self.session.execute(self.base().where(ApprovalPayment.instance_id == instance_id))).scalar_one_or_none()


class NoticeRepository(OrgRepository[ApprovalNotice]):
    model = ApprovalNotice

    async def posted(self, key: str) -> bool:
        return (await self.session.execute(self.base().where(ApprovalNotice.key == key))).first() is not None
