"""Loads the rules that apply to members over a range of days, and turns records into results.

Shared by actions (a check-in recomputes its day; rule changes and the approvals hook
recompute ranges) and queries (the check-in page, the board). One load serves one member or
10,000: every table is read once per call, never per member or per day.

Decisions:
- A member's group: assigned by name wins; otherwise the group of their nearest assigned
  department (their own departments first, then up the tree); ties go to the older group.
- A day is a workday for fixed / flexible groups unless it is a rest weekday, except that the
  holiday calendar (when the group uses it) turns holidays into rest days and make-up
  workdays (调休) into workdays. Scheduled groups (排班) work exactly the scheduled days.
- Results exist only for days that have begun in the org's time zone.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from tack.attendance.models import AttendanceGroup, AttendanceShift
from tack.attendance.repository import (
    AssignmentRepository,
    GroupRepository,
    HolidayRepository,
    LeaveRepository,
    RecordRepository,
    ResultRepository,
    ScheduleRepository,
    ShiftRepository,
)
from tack.attendance.rules import Punch, ShiftInstance, ShiftRule, compute_day, instance
from tack.directory.access import load_tree
from tack.directory.queries import member_departments, org_timezone


def shift_rule(shift: AttendanceShift) -> ShiftRule:
    return ShiftRule(
        id=shift.id,
        kind=shift.kind,
        start_minute=shift.start_minute,
        end_minute=shift.end_minute,
        overnight=shift.overnight,
        late_grace_minutes=shift.late_grace_minutes,
        early_grace_minutes=shift.early_grace_minutes,
        serious_late_minutes=shift.serious_late_minutes,
        required_minutes=shift.required_minutes,
    )


async def resolve_groups(session: AsyncSession, org_id: int, member_ids: list[int] | None) -> dict[int, int]:
    """member id → group id for the given members (every active member when None)."""
    assignments = AssignmentRepository(session, org_id)
    by_name = await assignments.members()
    by_department = await assignments.departments()
    if member_ids is not None and all(m in by_name for m in member_ids):
        return {m: by_name[m] for m in member_ids}
    departments = await member_departments(session, org_id, member_ids)
    out: dict[int, int] = {}
    tree = await load_tree(session, org_id) if by_department else None
    for member_id, dept_ids in departments.items():
        if member_id in by_name:
            out[member_id] = by_name[member_id]
            continue
        if tree is None:
            continue
        best: tuple[int, int] | None = None  # (depth, group id)
        for dept in dept_ids:
            for depth, d in enumerate([dept, *tree.ancestors(dept)]):
                if d in by_department:
                    candidate = (depth, by_department[d])
                    if best is None or candidate < best:
                        best = candidate
                    break
        if best is not None:
            out[member_id] = best[1]
    return out


async def member_group_id(session: AsyncSession, org_id: int, member_id: int) -> int | None:
    """One member's group (same decisions as resolve_groups) in as few reads as possible: the
    check-in path runs this for every punch."""
    assignments = AssignmentRepository(session, org_id)
    by_name = await assignments.group_of_member(member_id)
    if by_name is not None:
        return by_name
    by_department = await assignments.departments()
    if not by_department:
        return None
    dept_ids = (await member_departments(session, org_id, [member_id])).get(member_id, [])
    direct = sorted(by_department[d] for d in dept_ids if d in by_department)
    if direct:
        return direct[0]
    tree = await load_tree(session, org_id)
    best: tuple[int, int] | None = None
    for dept in dept_ids:
        for depth, d in enumerate(tree.ancestors(dept), start=1):
            if d in by_department:
                candidate = (depth, by_department[d])
                best = candidate if best is None or candidate < best else best
                break
    return best[1] if best else None


@dataclass(slots=True)
class Rules:
    """The rules of one org over [start, end] for a set of members."""

    tz: ZoneInfo
    tz_name: str
    groups: dict[int, AttendanceGroup]
    shifts: dict[int, ShiftRule]
    holidays: dict[date, str]
    schedules: dict[tuple[int, date], int | None] = field(default_factory=dict)
    # (shift, day) → its instance: the same for every member working that shift that day
    # (10,000 members × 31 days need 31 zone conversions, not 310,000).
    instances: dict[tuple[int, date], ShiftInstance] = field(default_factory=dict)
    # (group, day) → its shift instance, for groups whose members all share it (not 排班).
    group_days: dict[tuple[int, date], ShiftInstance | None] = field(default_factory=dict)

    def shift_on(self, group: AttendanceGroup, member_id: int, day: date) -> ShiftRule | None:
        if group.kind == "scheduled":
            shift_id = self.schedules.get((member_id, day))
            return self.shifts.get(shift_id) if shift_id is not None else None
        if group.shift_id is None:
            return None
        special = self.holidays.get(day) if group.use_holidays else None
        if special == "holiday":
            return None
        if special != "workday" and day.weekday() in (group.rest_weekdays or []):
            return None
        return self.shifts.get(group.shift_id)

    def instance_on(self, group: AttendanceGroup, member_id: int, day: date) -> ShiftInstance | None:
        key = (group.id, day)
        if key in self.group_days:
            return self.group_days[key]
        shift = self.shift_on(group, member_id, day)
        found = None
        if shift is not None:
            found = self.instances.get((shift.id, day))
            if found is None:
                found = self.instances[(shift.id, day)] = instance(day, shift, self.tz)
        if group.kind != "scheduled":
            self.group_days[key] = found
        return found

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()


async def load_rules(
    session: AsyncSession,
    org_id: int,
    start: date,
    end: date,
    *,
    member_ids: list[int] | None,
    group_ids: set[int] | None = None,
    group: AttendanceGroup | None = None,
) -> Rules:
    """`group`: the one group already loaded (a check-in), so it is not read twice."""
    tz_name = await org_timezone(session, org_id)
    groups_repo = GroupRepository(session, org_id)
    if group is not None:
        groups = [group]
    elif group_ids is not None and len(group_ids) == 1:
        only = await groups_repo.get(next(iter(group_ids)))
        groups = [only] if only is not None else []
    else:
        groups = await groups_repo.all()
    group_map = {g.id: g for g in groups}
    shift_ids = {g.shift_id for g in groups if g.shift_id is not None}
    schedules: dict[tuple[int, date], int | None] = {}
    if any(g.kind == "scheduled" for g in groups):
        schedules = await ScheduleRepository(session, org_id).between(member_ids, start, end)
        shift_ids |= {s for s in schedules.values() if s is not None}
    shifts_repo = ShiftRepository(session, org_id)
    if len(shift_ids) == 1:
        one = await shifts_repo.get(next(iter(shift_ids)))
        shifts = [one] if one is not None else []
    else:
        shifts = await shifts_repo.all() if shift_ids else []
    holidays = await HolidayRepository(session, org_id).between(start, end) if any(g.use_holidays for g in groups) else {}
    return Rules(ZoneInfo(tz_name), tz_name, group_map, {s.id: shift_rule(s) for s in shifts}, holidays, schedules)


def result_row(
    rules: Rules,
    group_id: int | None,
    member_id: int,
    day: date,
    punches: dict[str, Punch],
    leaves: list[tuple[datetime, datetime]],
    now: datetime,
) -> dict[str, Any]:
    group = rules.groups.get(group_id) if group_id is not None else None
    inst = rules.instance_on(group, member_id, day) if group is not None else None
    r = compute_day(inst, punches.get("in"), punches.get("out"), leaves, now)
    return {
        "member_id": member_id,
        "day": day,
        "group_id": group_id,
        "shift_id": inst.shift.id if inst else None,
        "status": r.status,
        "rest_day": r.rest_day,
        "on_leave": r.on_leave,
        "absent": r.absent,
        "late_minutes": r.late_minutes,
        "serious_late": r.serious_late,
        "early_minutes": r.early_minutes,
        "missing_in": r.missing_in,
        "missing_out": r.missing_out,
        "field": r.field,
        "worked_minutes": r.worked_minutes,
        "check_in_at": punches["in"].at if "in" in punches else None,
        "check_out_at": punches["out"].at if "out" in punches else None,
        "computed_at": now,
    }


async def recompute_one(
    session: AsyncSession, org_id: int, rules: Rules, group_id: int, member_id: int, day: date, now: datetime
) -> dict[str, Any]:
    """One member-day with rules already loaded (a check-in): its punches and leaves, the
    result computed and upserted; returns the row written."""
    punches: dict[str, Punch] = {}
    for _, _, kind, at, is_field in await RecordRepository(session, org_id).punches([member_id], day, day):
        punches[kind] = Punch(at, bool(is_field))
    window_start = datetime.combine(day - timedelta(days=1), datetime.min.time(), rules.tz)
    window_end = datetime.combine(day + timedelta(days=2), datetime.min.time(), rules.tz)
    leaves = [(x.start_at, x.end_at) for x in await LeaveRepository(session, org_id).overlapping([member_id], window_start, window_end)]
    row = result_row(rules, group_id, member_id, day, punches, leaves, now)
    await ResultRepository(session, org_id).upsert([row])
    return row


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


async def recompute(
    session: AsyncSession,
    org_id: int,
    member_ids: list[int] | None,
    start: date,
    end: date,
    now: datetime,
    *,
    groups: dict[int, int] | None = None,
) -> int:
    """Rebuilds the stored results of these members (all active members when None) for the
    days in [start, end] that have begun; members without a group lose their results there.
    Idempotent: the same inputs always write the same rows. Returns rows written."""
    groups = groups if groups is not None else await resolve_groups(session, org_id, member_ids)
    rules = await load_rules(session, org_id, start - timedelta(days=1), end + timedelta(days=1), member_ids=member_ids)
    end = min(end, rules.local_day(now))
    if end < start:
        return 0
    ids = member_ids if member_ids is not None else sorted(groups)
    results = ResultRepository(session, org_id)
    for member_id in (m for m in ids if m not in groups):
        await results.delete_member_days(member_id, _days(start, end))
    covered = [m for m in ids if m in groups]
    if not covered:
        return 0
    punches: dict[tuple[int, date], dict[str, Punch]] = {}
    for member_id, day, kind, at, is_field in await RecordRepository(session, org_id).punches(member_ids, start, end):
        punches.setdefault((member_id, day), {})[kind] = Punch(at, bool(is_field))
    window_start = datetime.combine(start - timedelta(days=1), datetime.min.time(), rules.tz)
    window_end = datetime.combine(end + timedelta(days=2), datetime.min.time(), rules.tz)
    leaves: dict[int, list[tuple[datetime, datetime]]] = {}
    for leave in await LeaveRepository(session, org_id).overlapping(member_ids, window_start, window_end):
        leaves.setdefault(leave.member_id, []).append((leave.start_at, leave.end_at))
    days = _days(start, end)
    rows = [
        result_row(rules, groups[m], m, day, punches.get((m, day), {}), leaves.get(m, []), now)
        for m in covered
        for day in days
    ]
    await results.upsert(rows)
    return len(rows)
