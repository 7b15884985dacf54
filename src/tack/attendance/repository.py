"""Statements on attendance's own tables; each starts from OrgRepository.base() or filters org_id."""

from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, String, and_, bindparam, case, delete, func, or_, select, type_coerce, update
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
from tack.storage.base import UTCDateTime
from tack.storage.repository import OrgRepository


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        # PostgreSQL's dialect package (~2 MB) is loaded only by a server that uses it.
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    return sqlite_insert


def _sqlite_datetime(value: datetime) -> str:
    """What SQLAlchemy's SQLite DateTime stores for our UTC columns: 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


async def _sqlite_executemany(session: AsyncSession, stmt: Any, rows: list[dict[str, Any]], **same: Any) -> None:
    """One statement for many rows on SQLite with the few date and time values converted
    here instead of every parameter going through SQLAlchemy's processors (which took most of
    the time of a 310,000-row month). Every row has the same keys; `same`: values common to
    all rows (org_id)."""
    compiled = stmt.values({k: bindparam(k) for k in [*rows[0], *same]}).compile(dialect=session.get_bind().dialect)
    order = [k for k in compiled.positiontup if k not in same]  # the common ones go last
    assert list(compiled.positiontup[len(order):]) == list(same), "common values must be the last parameters"
    columns = stmt.table.c
    times = [i for i, k in enumerate(order) if isinstance(columns[k].type, UTCDateTime)]
    days = [i for i, k in enumerate(order) if isinstance(columns[k].type, Date)]
    getter = itemgetter(*order)
    tail = list(same.values())
    day_text: dict[date, str] = {}
    last_time, last_text = None, ""  # a time repeated row after row (computed_at) is converted once
    params = []
    for row in rows:
        values = list(getter(row))
        for i in times:
            t = values[i]
            if t is not None:
                values[i] = last_text if t is last_time else _sqlite_datetime(t)
                last_time, last_text = t, values[i]
        for i in days:
            d = values[i]
            values[i] = day_text.get(d) or day_text.setdefault(d, d.isoformat())
        values.extend(tail)
        params.append(tuple(values))
    connection = await session.connection()
    for start in range(0, len(params), 5000):
        await connection.exec_driver_sql(compiled.string, params[start : start + 5000])


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

    async def all(self) -> list[AttendancePlace]:
        return await self.scalars(self.base().order_by(AttendancePlace.id))

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

    async def insert_many_once(self, rows: list[dict[str, Any]]) -> list[tuple[int, int, date, str]]:
        """Many punches in one statement, each inserted unless its (member, day, kind) exists:
        (id, member, day, kind) of those inserted (a punch missing from the answer was already
        there: a race with another server that the unique constraint settled). Every row has
        the same keys."""
        if not rows:
            return []
        table = AttendanceRecord.__table__
        stmt = (
            _insert(self.session)(table)
            .on_conflict_do_nothing(index_elements=["org_id", "member_id", "day", "kind"])
            .returning(table.c.id, table.c.member_id, table.c.day, table.c.kind)
        )
        result = await self.session.execute(stmt, [{"org_id": self.org_id, **r} for r in rows])
        return [tuple(r) for r in result.all()]  # type: ignore[misc]

    async def rows_of(self, member_ids: list[int], start: date, end: date) -> list[Any]:
        """Whole records (plain rows, attribute access like the ORM's) of these members."""
        table = AttendanceRecord.__table__
        stmt = select(table).where(
            table.c.org_id == self.org_id, table.c.member_id.in_(member_ids), table.c.day >= start, table.c.day <= end
        )
        return list((await self.session.execute(stmt)).all())

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

    async def of_members(self, member_ids: list[int], start: date, end: date) -> list[AttendanceRecord]:
        stmt = self.base().where(
            AttendanceRecord.member_id.in_(member_ids), AttendanceRecord.day >= start, AttendanceRecord.day <= end
        )
        return await self.scalars(stmt.order_by(AttendanceRecord.member_id, AttendanceRecord.day, AttendanceRecord.checked_at))

    async def punches(self, member_ids: list[int] | None, start: date, end: date) -> list[tuple[int, date, str, datetime, bool]]:
        """(member, day, kind, at, field) of the period: plain tuples, as many as 440,000 for a
        month of 10,000 members."""
        r = AttendanceRecord.__table__.c  # Core columns: rows without the ORM's loading machinery
        # Day and time as the driver gives them (SQLite: text), converted below with caches
        # and C parsers instead of a processor call per value.
        stmt = select(r.member_id, type_coerce(r.day, String), r.kind, type_coerce(r.checked_at, String), r.field).where(
            r.org_id == self.org_id, r.day >= start, r.day <= end
        )
        if member_ids is not None:
            stmt = stmt.where(r.member_id.in_(member_ids))
        days: dict[Any, date] = {}
        out = []
        for member_id, day, kind, at, is_field in (await self.session.execute(stmt)).all():
            d = days.get(day)
            if d is None:
                d = days[day] = date.fromisoformat(day) if isinstance(day, str) else day
            at = datetime.fromisoformat(at) if isinstance(at, str) else at
            out.append((member_id, d, kind, at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC), is_field))
        return out


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
        # The table, not the mapped class: a Core executemany, without the ORM's bulk machinery
        # (a month of 10,000 members is 310,000 rows).
        ins = _insert(self.session)(AttendanceResult.__table__)
        columns = [c for c in rows[0] if c not in ("member_id", "day")]
        stmt = ins.on_conflict_do_update(
            index_elements=["member_id", "day"], set_={c: getattr(ins.excluded, c) for c in columns}
        )
        if self.session.get_bind().dialect.name == "sqlite":
            await _sqlite_executemany(self.session, stmt, rows, org_id=self.org_id)
            return
        for start in range(0, len(rows), 500):
            await self.session.execute(stmt, [{"org_id": self.org_id, **r} for r in rows[start : start + 500]])

    async def between(self, member_ids: list[int] | None, start: date, end: date) -> list[AttendanceResult]:
        stmt = self.base().where(AttendanceResult.day >= start, AttendanceResult.day <= end)
        if member_ids is not None:
            stmt = stmt.where(AttendanceResult.member_id.in_(member_ids))
        return await self.scalars(stmt.order_by(AttendanceResult.member_id, AttendanceResult.day))

    async def rows_on(self, member_ids: list[int], days: list[date]) -> list[Any]:
        """Stored results of these members on these days as plain rows (attribute access like
        the ORM's), found through the primary key: `org_id + 0` keeps SQLite from walking the
        (org, day) index through the whole org's day instead (10,000 rows at 9:00)."""
        table = AttendanceResult.__table__
        stmt = select(table).where(
            (table.c.org_id + 0) == self.org_id, table.c.member_id.in_(member_ids), table.c.day.in_(days)
        )
        return list((await self.session.execute(stmt)).all())

    async def tallies(
        self, member_ids: list[int] | None, start: date, end: date, group_id: int | None, *, by: str
    ) -> list[Any]:
        """The counters of stats.COUNTERS summed by the database, per (member, group) with
        the first day of each pair (`by="member"`) or per day with its row count
        (`by="day"`): a month of 10,000 members is 310,000 rows, added up in SQL, not Python."""
        r = AttendanceResult.__table__.c
        work = r.rest_day.is_(False)

        def count(cond):  # type: ignore[no-untyped-def]
            return func.sum(case((cond, 1), else_=0))

        sums = [
            count(work),  # workdays
            count(work & r.check_in_at.is_not(None)),  # attended
            count(r.rest_day.is_(True)),  # rest_days
            count(work & (r.late_minutes > 0)),  # late_count
            func.sum(case((work, r.late_minutes), else_=0)),  # late_minutes
            count(work & r.serious_late.is_(True)),  # serious_late_count
            count(work & (r.early_minutes > 0)),  # early_count
            func.sum(case((work, r.early_minutes), else_=0)),  # early_minutes
            count(work & r.absent.is_(True)),  # absent_days
            count(work & r.missing_in.is_(True)),  # missing_in
            count(work & r.missing_out.is_(True)),  # missing_out
            count(work & r.field.is_(True)),  # field_count
            count(work & (r.status == "leave")),  # leave_days
            func.sum(r.worked_minutes),  # worked_minutes
        ]
        keys = [r.member_id, r.group_id, func.min(r.day)] if by == "member" else [r.day, func.count()]
        stmt = select(*keys, *sums).where(r.org_id == self.org_id, r.day >= start, r.day <= end)
        if member_ids is not None:
            stmt = stmt.where(r.member_id.in_(member_ids))
        if group_id is not None:
            stmt = stmt.where(r.group_id == group_id)
        stmt = stmt.group_by(r.member_id, r.group_id) if by == "member" else stmt.group_by(r.day)
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

    async def of_members(self, member_ids: list[int]) -> dict[int, str]:
        stmt = select(AttendanceBinding.member_id, AttendanceBinding.client_device).where(
            AttendanceBinding.org_id == self.org_id, AttendanceBinding.member_id.in_(member_ids)
        )
        return {m: d for m, d in (await self.session.execute(stmt)).all()}

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
