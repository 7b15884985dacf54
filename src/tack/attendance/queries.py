"""Reads of attendance for the API: rules for admins, the check-in page, my records, results
and the managers' today board."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from tack.attendance import calendar
from tack.attendance.access import access_group_by_id, require_rules_admin, visible_member_ids
from tack.attendance.errors import BadRange
from tack.attendance.reads import device_read, group_read, place_read, record_read, result_read, shift_read
from tack.attendance.repository import (
    AssignmentRepository,
    DeviceRepository,
    GroupRepository,
    HolidayRepository,
    LeaveRepository,
    PlaceRepository,
    RecordRepository,
    ResultRepository,
    ScheduleRepository,
    ShiftRepository,
)
from tack.attendance.rules import Punch, pick_instance
from tack.attendance.schemas import (
    BoardMember,
    BoardRead,
    Counters,
    DailyStat,
    GroupStat,
    MemberStat,
    StatsRead,
    DeviceList,
    GroupList,
    GroupRead,
    HolidayItem,
    HolidayList,
    PlaceList,
    RecordList,
    ResultList,
    ScheduleItem,
    ScheduleList,
    ShiftList,
    TodayRead,
)
from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.attendance.stats import COUNTERS, add_into, as_fields, zero
from tack.directory.access import DepartmentNotFound, load_tree, org_id_of
from tack.directory.queries import department_names, member_departments, member_names, org_timezone

MAX_RANGE_DAYS = 62


def check_range(start: date, end: date, limit: int = MAX_RANGE_DAYS) -> None:
    if end < start or (end - start).days >= limit:
        raise BadRange(max_days=limit)


async def list_shifts(session: AsyncSession, actor: Actor) -> ShiftList:
    org_id = require_rules_admin(actor)
    return ShiftList(items=[shift_read(s) for s in await ShiftRepository(session, org_id).all()])


async def list_groups(session: AsyncSession, actor: Actor) -> GroupList:
    org_id = require_rules_admin(actor)
    assignments = AssignmentRepository(session, org_id)
    members, departments = await assignments.members(), await assignments.departments()
    return GroupList(
        items=[
            group_read(g, sorted(m for m, x in members.items() if x == g.id), sorted(d for d, x in departments.items() if x == g.id))
            for g in await GroupRepository(session, org_id).all()
        ]
    )


async def get_group(session: AsyncSession, actor: Actor, group_id: int) -> GroupRead:
    group = await access_group_by_id(session, actor, group_id)
    for item in (await list_groups(session, actor)).items:
        if item.id == group.id:
            return item
    raise AssertionError("group vanished")


async def list_places(session: AsyncSession, actor: Actor, group_id: int) -> PlaceList:
    group = await access_group_by_id(session, actor, group_id)
    return PlaceList(items=[place_read(p) for p in await PlaceRepository(session, group.org_id).of_group(group.id)])


async def list_holidays(session: AsyncSession, actor: Actor, start: date, end: date) -> HolidayList:
    """Any member may read the calendar (it decides their workdays)."""
    org_id = org_id_of(actor)
    check_range(start, end, 400)
    rows = await HolidayRepository(session, org_id).rows_between(start, end)
    return HolidayList(items=[HolidayItem(day=r.day, kind=r.kind, name=r.name) for r in rows])  # type: ignore[arg-type]


async def list_schedules(session: AsyncSession, actor: Actor, start: date, end: date, member_id: int | None) -> ScheduleList:
    org_id = require_rules_admin(actor)
    check_range(start, end)
    rows = await ScheduleRepository(session, org_id).between([member_id] if member_id else None, start, end)
    return ScheduleList(items=[ScheduleItem(member_id=m, day=d, shift_id=s) for (m, d), s in sorted(rows.items())])


async def my_today(session: AsyncSession, actor: Actor) -> TodayRead:
    """The check-in page: today's shift (in the org's time zone), places, punches and result.
    'Today' is the attendance day a punch made now would belong to (a night shift that
    started yesterday evening is still today's until its window closes)."""
    org_id, member_id = org_id_of(actor), actor.member_id or 0
    now = utc_now()
    tz_name = await org_timezone(session, org_id)
    tz = ZoneInfo(tz_name)
    local = now.astimezone(tz).date()
    groups = await calendar.resolve_groups(session, org_id, [member_id])
    group_id = groups.get(member_id)
    group = await GroupRepository(session, org_id).get(group_id) if group_id else None
    day, inst = local, None
    if group is not None:
        rules = await calendar.load_rules(session, org_id, local - timedelta(days=1), local + timedelta(days=1), member_ids=[member_id], group_ids={group.id})
        candidates = [i for d in (-1, 0, 1) if (i := rules.instance_on(group, member_id, local + timedelta(days=d))) is not None]
        inst = pick_instance(now, candidates) or next((i for i in candidates if i.day == local), None)
        day = inst.day if inst else local
    places = await PlaceRepository(session, org_id).of_group(group.id) if group else []
    names = {p.id: p.name for p in places}
    records = await RecordRepository(session, org_id).of_member(member_id, day, day)
    results = await ResultRepository(session, org_id).between([member_id], day, day)
    shift = await ShiftRepository(session, org_id).get(inst.shift.id) if inst else None
    return TodayRead(
        day=day,
        timezone=tz_name,
        group=group_read(group, [], []) if group else None,
        shift=shift_read(shift) if shift else None,
        shift_start=inst.start if inst else None,
        shift_end=inst.end if inst else None,
        places=[place_read(p) for p in places],
        records=[record_read(r, names.get(r.place_id or 0)) for r in records],
        result=result_read(results[0]) if results else None,
    )


async def my_records(session: AsyncSession, actor: Actor, start: date, end: date) -> tuple[RecordList, ResultList]:
    org_id, member_id = org_id_of(actor), actor.member_id or 0
    check_range(start, end)
    records = await RecordRepository(session, org_id).of_member(member_id, start, end)
    results = await ResultRepository(session, org_id).between([member_id], start, end)
    return RecordList(items=[record_read(r) for r in records]), ResultList(items=[result_read(r) for r in results])


async def list_results(session: AsyncSession, actor: Actor, start: date, end: date, member_id: int | None) -> ResultList:
    """Results of the members the actor may see (admins: everyone; managers: their departments)."""
    org_id = org_id_of(actor)
    check_range(start, end)
    visible = await visible_member_ids(session, actor) if member_id != actor.member_id else None
    ids: list[int] | None
    if member_id is not None:
        ids = [member_id] if visible is None or member_id in visible else []
    else:
        ids = sorted(visible) if visible is not None else None
    rows = await ResultRepository(session, org_id).between(ids, start, end) if ids != [] else []
    return ResultList(items=[result_read(r) for r in rows])


async def records_and_results(
    session: AsyncSession, actor: Actor, member_ids: list[int], start: date, end: date, *, max_days: int = MAX_RANGE_DAYS
) -> tuple[RecordList, ResultList]:
    """Punches and daily results of chosen members over [start, end], for whoever may see their
    attendance (admins and apps: everyone; managers: their departments); members the actor may
    not see, and other orgs' ids, are simply left out."""
    org_id = org_id_of(actor)
    check_range(start, end, max_days)
    visible = await visible_member_ids(session, actor)
    ids = sorted({m for m in member_ids if visible is None or m in visible})
    if not ids:
        return RecordList(items=[]), ResultList(items=[])
    records = await RecordRepository(session, org_id).of_members(ids, start, end)
    results = await ResultRepository(session, org_id).between(ids, start, end)
    return RecordList(items=[record_read(r) for r in records]), ResultList(items=[result_read(r) for r in results])


async def today_board(session: AsyncSession, actor: Actor) -> BoardRead:
    """Who is in, late, not yet in, on leave or resting today, for the members the actor may
    see. Computed live from today's records and rules (never waits for a stored result)."""
    org_id = org_id_of(actor)
    visible = await visible_member_ids(session, actor)
    now = utc_now()
    groups = await calendar.resolve_groups(session, org_id, sorted(visible) if visible is not None else None)
    tz = ZoneInfo(await org_timezone(session, org_id))
    today = now.astimezone(tz).date()
    ids = sorted(groups)
    rules = await calendar.load_rules(session, org_id, today - timedelta(days=1), today + timedelta(days=1), member_ids=ids if visible is not None else None)
    punches: dict[int, dict[str, Punch]] = {}
    for m, day, kind, at, is_field in await RecordRepository(session, org_id).punches(ids if visible is not None else None, today, today):
        punches.setdefault(m, {})[kind] = Punch(at, bool(is_field))
    window = (now - timedelta(days=1), now + timedelta(days=1))
    leaves: dict[int, list[tuple[datetime, datetime]]] = {}
    for leave in await LeaveRepository(session, org_id).overlapping(ids if visible is not None else None, *window):
        leaves.setdefault(leave.member_id, []).append((leave.start_at, leave.end_at))
    names = await member_names(session, org_id, ids if visible is not None else None)
    members: list[BoardMember] = []
    counts = {"in": 0, "late": 0, "not_in": 0, "leave": 0, "rest": 0, "field": 0}
    for m in ids:
        row = calendar.result_row(rules, groups[m], m, today, punches.get(m, {}), leaves.get(m, []), now)
        state = _board_state(row)
        counts[state] += 1
        members.append(
            BoardMember(member_id=m, name=names.get(m, ""), state=state, check_in_at=row["check_in_at"], late_minutes=row["late_minutes"])  # type: ignore[arg-type]
        )
    order = {"late": 0, "not_in": 1, "field": 2, "in": 3, "leave": 4, "rest": 5}
    members.sort(key=lambda b: (order[b.state], b.name, b.member_id))
    return BoardRead(day=today, counts=counts, members=members)


def _board_state(row: dict) -> str:  # type: ignore[type-arg]
    if row["rest_day"]:
        return "rest"
    if row["status"] == "leave":
        return "leave"
    if row["check_in_at"] is None:
        return "not_in"
    if row["late_minutes"]:
        return "late"
    return "field" if row["field"] else "in"


async def list_devices(session: AsyncSession, actor: Actor) -> DeviceList:
    org_id = require_rules_admin(actor)
    return DeviceList(items=[device_read(d) for d in await DeviceRepository(session, org_id).all()])


async def stats(
    session: AsyncSession,
    actor: Actor,
    start: date,
    end: date,
    *,
    group_id: int | None = None,
    department_id: int | None = None,
) -> StatsRead:
    """Per member, department, group and day over [start, end], for the members the actor may
    see (admins: all; managers: their departments), optionally one group / department."""
    org_id = org_id_of(actor)
    check_range(start, end)
    visible = await visible_member_ids(session, actor)
    departments_of = await member_departments(session, org_id)
    if department_id is not None:
        tree = await load_tree(session, org_id)
        if department_id not in tree:
            raise DepartmentNotFound()
        wanted = tree.subtree(department_id)
        scope = {m for m, ds in departments_of.items() if wanted.intersection(ds)}
        visible = scope if visible is None else visible & scope
    member_ids = sorted(visible) if visible is not None else None
    results = ResultRepository(session, org_id)
    pairs = await results.tallies(member_ids, start, end, group_id, by="member")
    days = await results.tallies(member_ids, start, end, group_id, by="day")
    names = await member_names(session, org_id, None)
    dept_names = await department_names(session, org_id)
    group_names = {g.id: g.name for g in await GroupRepository(session, org_id).all()}
    n = len(COUNTERS)
    per_member: dict[int, list[int]] = {}
    first_group: dict[int, tuple[date, int | None]] = {}  # the group of the member's first day
    per_group: dict[int, list[int]] = {}
    group_members: dict[int, set[int]] = {}
    for m, g, first_day, *values in pairs:
        add_into(per_member.setdefault(m, zero()), values)
        if m not in first_group or first_day < first_group[m][0]:
            first_group[m] = (first_day, g)
        if g is not None:
            add_into(per_group.setdefault(g, zero()), values)
            group_members.setdefault(g, set()).add(m)
    totals = zero()
    per_dept: dict[int, list[int]] = {}
    dept_members: dict[int, int] = {}
    members: list[MemberStat] = []
    for m, values in per_member.items():
        add_into(totals, values)
        for d in departments_of.get(m, []):
            add_into(per_dept.setdefault(d, zero()), values)
            dept_members[d] = dept_members.get(d, 0) + 1
        first_dept = (departments_of.get(m) or [None])[0]
        g = first_group[m][1]
        members.append(MemberStat(
            member_id=m, name=names.get(m, ""), department=dept_names.get(first_dept, "") if first_dept else "",
            group=group_names.get(g, "") if g else "", **as_fields(values),
        ))
    daily = [DailyStat(day=d, members=count, **as_fields([int(v or 0) for v in values[:n]])) for d, count, *values in days]
    return StatsRead(
        from_day=start,
        to_day=end,
        members=sorted(members, key=lambda s: (s.department, s.name, s.member_id)),
        departments=[GroupStat(id=d, name=dept_names.get(d, ""), members=dept_members[d], **as_fields(v)) for d, v in sorted(per_dept.items())],
        groups=[GroupStat(id=g, name=group_names.get(g, ""), members=len(group_members[g]), **as_fields(v)) for g, v in sorted(per_group.items())],
        daily=sorted(daily, key=lambda s: s.day),
        totals=Counters(**as_fields(totals)),
    )
