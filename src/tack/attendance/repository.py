"""Statements on attendance's own tables; each starts from OrgRepository.base() or filters org_id."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from tack.attendance.models import (
    AttendanceBinding,
    AttendanceDevice,
    AttendanceGroup,
    AttendanceGroupDepartment,
    AttendanceGroupMember,
    AttendanceHoliday,
    AttendanceLeave,
    AttendancePlace,
    AttendanceRecord,
    AttendanceResult,
    AttendanceSchedule,
    AttendanceShift,
)
from tack.storage.repository import OrgRepository


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


class ShiftRepository(OrgRepository[AttendanceShift]):
    model = AttendanceShift

    async def all(self) -> list[AttendanceShift]:
        return await self.scalars(self.base().order_by(AttendanceShift.id))


class GroupRepository(OrgRepository[AttendanceGroup]):
    model = AttendanceGroup

    async def all(self) -> list[AttendanceGroup]:
        return await self.scalars(self.base().order_by(AttendanceGroup.id))

    async def using_shift(self, shift_id: int) -> bool:
        stmt = self.base().where(AttendanceGroup.shift_id == shift_id).limit(1)
        return (await self.session.execute(stmt)).first() is not None


class AssignmentRepository(OrgRepository[AttendanceGroupMember]):
    """Both assignment tables: members by name, departments."""

    model = AttendanceGroupMember

    async def group_of_member(self, member_id: int) -> int | None:
        stmt = select(AttendanceGroupMember.group_id).where(
            AttendanceGroupMember.org_id == self.org_id, AttendanceGroupMember.member_id == member_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def members(self) -> dict[int, int]:
        """member id → group id, for every member assigned by name."""
        stmt = select(AttendanceGroupMember.member_id, AttendanceGroupMember.group_id).where(
            AttendanceGroupMember.org_id == self.org_id
        )
        return {m: g for m, g in (await self.session.execute(stmt)).all()}

    async def departments(self) -> dict[int, int]:
        """department id → group id."""
        stmt = select(AttendanceGroupDepartment.department_id, AttendanceGroupDepartment.group_id).where(
            AttendanceGroupDepartment.org_id == self.org_id
        )
        return {d: g for d, g in (await self.session.execute(stmt)).all()}

    async def replace(self, group_id: int, member_ids: list[int], department_ids: list[int]) -> None:
        """The group covers exactly these; a member or department taken from another group moves."""
        for model, column, ids in (
            (AttendanceGroupMember, AttendanceGroupMember.member_id, member_ids),
            (AttendanceGroupDepartment, AttendanceGroupDepartment.department_id, department_ids),
        ):
            cond = model.group_id == group_id  # type: ignore[attr-defined]
            if ids:
                cond = or_(cond, column.in_(ids))
            await self.session.execute(delete(model).where(model.org_id == self.org_id, cond))  # type: ignore[attr-defined]
            if ids:
                key = "member_id" if model is AttendanceGroupMember else "department_id"
                await self.session.execute(
                    _insert(self.session)(model), [{"org_id": self.org_id, "group_id": group_id, key: i} for i in ids]
                )


class PlaceRepository(OrgRepository[AttendancePlace]):
    model = AttendancePlace

    async def of_group(self, group_id: int) -> list[AttendancePlace]:
        return await self.scalars(self.base().where(AttendancePlace.group_id == group_id).order_by(AttendancePlace.id))


class HolidayRepository(OrgRepository[AttendanceHoliday]):
    model = AttendanceHoliday

    async def between(self, start: date, end: date) -> dict[date, str]:
        stmt = select(AttendanceHoliday.day, AttendanceHoliday.kind).where(
            AttendanceHoliday.org_id == self.org_id, AttendanceHoliday.day >= start, AttendanceHoliday.day <= end
        )
        return {d: k for d, k in (await self.session.execute(stmt)).all()}

    async def rows_between(self, start: date, end: date) -> list[AttendanceHoliday]:
        stmt = self.base().where(AttendanceHoliday.day >= start, AttendanceHoliday.day <= end)
        return await self.scalars(stmt.order_by(AttendanceHoliday.day))

    async def replace(self, start: date, end: date, rows: list[dict[str, Any]]) -> None:
        await self.session.execute(
            delete(AttendanceHoliday).where(
                AttendanceHoliday.org_id == self.org_id, AttendanceHoliday.day >= start, AttendanceHoliday.day <= end
            )
        )
        if rows:
            await self.session.execute(_insert(self.session)(AttendanceHoliday), [{"org_id": self.org_id, **r} for r in rows])


class ScheduleRepository(OrgRepository[AttendanceSchedule]):
    model = AttendanceSchedule

    async def between(self, member_ids: list[int] | None, start: date, end: date) -> dict[tuple[int, date], int | None]:
        stmt = select(AttendanceSchedule.member_id, AttendanceSchedule.day, AttendanceSchedule.shift_id).where(
            AttendanceSchedule.org_id == self.org_id, AttendanceSchedule.day >= start, AttendanceSchedule.day <= end
        )
        if member_ids is not None:
            stmt = stmt.where(AttendanceSchedule.member_id.in_(member_ids))
        return {(m, d): s for m, d, s in (await self.session.execute(stmt)).all()}

    async def upsert(self, rows: list[dict[str, Any]]) -> None:
        ins = _insert(self.session)(AttendanceSchedule)
        stmt = ins.on_conflict_do_update(index_elements=["member_id", "day"], set_={"shift_id": ins.excluded.shift_id})
        await self.session.execute(stmt, [{"org_id": self.org_id, **r} for r in rows])

    async def using_shift(self, shift_id: int) -> bool:
        stmt = self.base().where(AttendanceSchedule.shift_id == shift_id).limit(1)
        return (await self.session.execute(stmt)).first() is not None


class RecordRepository(OrgRepository[AttendanceRecord]):
    model = AttendanceRecord

    async def insert_once(self, row: dict[str, Any]) -> int | None:
        """INSERT … ON CONFLICT (org, member, day, kind) DO NOTHING: the id, or None when the
        punch already exists (a retry, or a race the unique constraint settled)."""
        stmt = (
            _insert(self.session)(AttendanceRecord)
            .values(org_id=self.org_id, **row)
            .on_conflict_do_nothing(index_elements=["org_id", "member_id", "day", "kind"])
            .returning(AttendanceRecord.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def one(self, member_id: int, day: date, kind: str) -> AttendanceRecord | None:
        stmt = self.base().where(
            AttendanceRecord.member_id == member_id, AttendanceRecord.day == day, AttendanceRecord.kind == kind
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def replace_out(self, record_id: int, values: dict[str, Any]) -> None:
        await self.session.execute(
            update(AttendanceRecord)
            .where(AttendanceRecord.org_id == self.org_id, AttendanceRecord.id == record_id)
            .values(**values)
        )

    async def of_member(self, member_id: int, start: date, end: date) -> list[AttendanceRecord]:
        stmt = self.base().where(
            AttendanceRecord.member_id == member_id, AttendanceRecord.day >= start, AttendanceRecord.day <= end
        )
        return await self.scalars(stmt.order_by(AttendanceRecord.day, AttendanceRecord.kind))

    async def punches(self, member_ids: list[int] | None, start: date, end: date) -> list[tuple[int, date, str, datetime, bool]]:
        """(member, day, kind, at, field) of the period: plain tuples, as many as 440,000 for a
        month of 10,000 members."""
        stmt = select(
            AttendanceRecord.member_id, AttendanceRecord.day, AttendanceRecord.kind, AttendanceRecord.checked_at, AttendanceRecord.field
        ).where(AttendanceRecord.org_id == self.org_id, AttendanceRecord.day >= start, AttendanceRecord.day <= end)
        if member_ids is not None:
            stmt = stmt.where(AttendanceRecord.member_id.in_(member_ids))
        return [tuple(r) for r in (await self.session.execute(stmt)).all()]  # type: ignore[misc]


class LeaveRepository(OrgRepository[AttendanceLeave]):
    model = AttendanceLeave

    async def by_ref(self, ref: str) -> AttendanceLeave | None:
        return (await self.session.execute(self.base().where(AttendanceLeave.ref == ref))).scalar_one_or_none()

    async def overlapping(self, member_ids: list[int] | None, start: datetime, end: datetime) -> list[AttendanceLeave]:
        stmt = self.base().where(
            AttendanceLeave.cancelled.is_(False), and_(AttendanceLeave.start_at < end, AttendanceLeave.end_at > start)
        )
        if member_ids is not None:
            stmt = stmt.where(AttendanceLeave.member_id.in_(member_ids))
        return await self.scalars(stmt)


class ResultRepository(OrgRepository[AttendanceResult]):
    model = AttendanceResult

    async def upsert(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        ins = _insert(self.session)(AttendanceResult)
        columns = [c for c in rows[0] if c not in ("member_id", "day")]
        stmt = ins.on_conflict_do_update(
            index_elements=["member_id", "day"], set_={c: getattr(ins.excluded, c) for c in columns}
        )
        for start in range(0, len(rows), 500):
            await self.session.execute(stmt, [{"org_id": self.org_id, **r} for r in rows[start : start + 500]])

    async def between(self, member_ids: list[int] | None, start: date, end: date) -> list[AttendanceResult]:
        stmt = self.base().where(AttendanceResult.day >= start, AttendanceResult.day <= end)
        if member_ids is not None:
            stmt = stmt.where(AttendanceResult.member_id.in_(member_ids))
        return await self.scalars(stmt.order_by(AttendanceResult.member_id, AttendanceResult.day))

    async def tallies(self, member_ids: list[int] | None, start: date, end: date, group_id: int | None) -> list[Any]:
        """Plain rows for statistics (10,000 members × 31 days: no ORM objects)."""
        r = AttendanceResult
        stmt = select(
            r.member_id, r.day, r.group_id, r.status, r.rest_day, r.on_leave, r.absent, r.late_minutes, r.serious_late,
            r.early_minutes, r.missing_in, r.missing_out, r.field, r.worked_minutes, r.check_in_at,
        ).where(r.org_id == self.org_id, r.day >= start, r.day <= end)
        if member_ids is not None:
            stmt = stmt.where(r.member_id.in_(member_ids))
        if group_id is not None:
            stmt = stmt.where(r.group_id == group_id)
        return list((await self.session.execute(stmt)).all())

    async def delete_member_days(self, member_id: int, days: list[date]) -> None:
        await self.session.execute(
            delete(AttendanceResult).where(
                AttendanceResult.org_id == self.org_id, AttendanceResult.member_id == member_id, AttendanceResult.day.in_(days)
            )
        )


class DeviceRepository(OrgRepository[AttendanceDevice]):
    model = AttendanceDevice

    async def all(self) -> list[AttendanceDevice]:
        return await self.scalars(self.base().order_by(AttendanceDevice.id))


async def device_by_serial(session: AsyncSession, serial: str) -> AttendanceDevice | None:
    """A device finds its org by its serial before anything else is known (the signature is
    checked next with the secret of the row found)."""
    stmt = select(AttendanceDevice).where(AttendanceDevice.serial == serial)
    return (await session.execute(stmt)).scalar_one_or_none()


class BindingRepository(OrgRepository[AttendanceBinding]):
    model = AttendanceBinding

    async def of_member(self, member_id: int) -> AttendanceBinding | None:
        stmt = self.base().where(AttendanceBinding.member_id == member_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def bind_once(self, member_id: int, client_device: str, at: datetime) -> None:
        stmt = (
            _insert(self.session)(AttendanceBinding)
            .values(org_id=self.org_id, member_id=member_id, client_device=client_device, bound_at=at)
            .on_conflict_do_nothing(index_elements=["member_id"])
        )
        await self.session.execute(stmt)

    async def reset(self, member_id: int) -> None:
        await self.session.execute(
            delete(AttendanceBinding).where(AttendanceBinding.org_id == self.org_id, AttendanceBinding.member_id == member_id)
        )
