"""Every attendance write: rules (shifts, groups, assignments, places, holidays, schedules),
check-ins, the approvals hook's leaves and card corrections, recomputing results.

Rule changes recompute the current month (up to today) of the members they touch through the
durable job `attendance.recompute`, so an admin's save never waits for 10,000 members and a
crash never loses the recompute. A check-in, a leave or a card correction recomputes its own
days in its own transaction, so the answer already carries the new result.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from tack.attendance import calendar
from tack.attendance import hooks  # noqa: F401  (hooks imports this module too; used at call time only)
from tack.attendance.access import (
    access_device_by_id,
    access_group_by_id,
    access_place_by_id,
    access_shift_by_id,
    require_rules_admin,
    ShiftNotFound,
)
from tack.attendance.errors import (
    BadBatch,
    BadPlace,
    BadRange,
    BadSignature,
    DeviceDisabled,
    DeviceSerialTaken,
    StaleDeviceRequest,
    TooManyRecords,
    BadShiftRule,
    BadShiftTime,
    ClientDeviceRequired,
    ClockSkew,
    CoordinatesOutOfRange,
    DeviceNotBound,
    FieldNotAllowed,
    FieldNoteRequired,
    GroupNeedsShift,
    LeaveBadRange,
    NotInGroup,
    NotScheduledGroup,
    OutOfRange,
    RadiusOutOfRange,
    ScheduleOverlap,
    ShiftEndsBeforeStart,
    ShiftInUse,
    ShiftTooLong,
)
from tack.attendance import signing
from tack.attendance.events import EventRemind
from tack.attendance.models import AttendanceDevice, AttendanceGroup, AttendanceLeave, AttendancePlace, AttendanceRecord, AttendanceShift
from tack.attendance.reads import device_read, group_read, place_read, record_read, result_read, shift_read
from tack.attendance.repository import (
    AssignmentRepository,
    BindingRepository,
    DeviceRepository,
    GroupRepository,
    HolidayRepository,
    LeaveRepository,
    PlaceRepository,
    RecordRepository,
    ResultRepository,
    ScheduleRepository,
    ShiftRepository,
    device_by_serial,
)
from tack.attendance.rules import Punch, ShiftInstance, distance_m, instance, normalise_bssid, pick_instance, shift_span_minutes
from tack.attendance.schemas import (
    FIRST_DAY,
    LAST_DAY,
    CheckinCreate,
    CheckinRead,
    DeviceBatch,
    DeviceBatchRead,
    DeviceCreate,
    DeviceRead,
    DeviceRejected,
    DeviceUpdate,
    GroupAssign,
    GroupCreate,
    GroupRead,
    GroupUpdate,
    HolidayList,
    HolidaySet,
    PlaceCreate,
    PlaceRead,
    RecordRead,
    ResultRead,
    ScheduleList,
    ScheduleSet,
    ShiftCreate,
    ShiftRead,
    ShiftUpdate,
)
from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import AppError
from tack.directory.access import DepartmentNotFound, MemberNotFound, actors_for_sessions, load_tree, org_id_of
from tack.directory.queries import member_contacts, member_ids_by_employee_no, org_timezone
from tack.storage.uow import UnitOfWork

# Client clocks further than this from the server's are refused (signed device batches excepted).
MAX_CLOCK_SKEW = timedelta(minutes=5)
RADIUS_RANGE = (100, 3000)
MAX_HOLIDAY_SPAN_DAYS = 400


# --- recompute ------------------------------------------------------------------------------


def enqueue_recompute(uow: UnitOfWork, org_id: int, member_ids: list[int] | None, *, reason: str) -> None:
    """Recompute the current month (and the last days of the previous one) up to today."""
    uow.enqueue(
        "attendance.recompute",
        {"org_id": org_id, "member_ids": member_ids, "days_back": 31, "reason": reason},
        org_id=org_id,
    )


async def do_recompute_recent(uow: UnitOfWork, org_id: int, member_ids: list[int] | None, days_back: int, *, now: datetime | None = None) -> int:
    now = now or utc_now()
    tz = ZoneInfo(await org_timezone(uow.session, org_id))
    today = now.astimezone(tz).date()
    return await calendar.recompute(uow.session, org_id, member_ids, today - timedelta(days=days_back), today, now)


async def do_close_day(uow: UnitOfWork, org_id: int, day: date, *, now: datetime | None = None) -> int:
    """The day is over: every covered member gets a result (absent, missing card) for it, and
    tomorrow's closing is planned (the chain of `attendance.close_day` jobs, keyed by day)."""
    now = now or utc_now()
    written = await calendar.recompute(uow.session, org_id, None, day, day, now)
    plan_close_day(uow, org_id, day + timedelta(days=1), await org_timezone(uow.session, org_id))
    return written


def plan_close_day(uow: UnitOfWork, org_id: int, day: date, tz_name: str) -> None:
    # Runs once the last shift windows of the day have closed (overnight shifts close the
    # next morning, so the day closes at 14:00 the next day, local time).
    tz = ZoneInfo(tz_name)
    run_at = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz) + timedelta(hours=14)
    uow.enqueue(
        "attendance.close_day",
        {"org_id": org_id, "day": day.isoformat()},
        run_at=run_at,
        org_id=org_id,
        dedupe_key=f"attendance:{org_id}:close:{day.isoformat()}",
    )


# --- shifts ---------------------------------------------------------------------------------


def parse_hhmm(value: str) -> int:
    try:
        hours, minutes = value.split(":")
        h, m = int(hours), int(minutes)
    except ValueError:
        raise BadShiftTime(value=value) from None
    if not (0 <= h <= 23 and 0 <= m <= 59) or len(minutes) != 2:
        raise BadShiftTime(value=value)
    return h * 60 + m


def _check_shift_fields(kind: str, start: int, end: int, overnight: bool, late: int, early: int, serious: int, required: int) -> None:
    if not overnight and end <= start:
        raise ShiftEndsBeforeStart()
    span = shift_span_minutes(start, end, overnight)
    if span > 24 * 60 or span <= 0:
        raise ShiftTooLong()
    if late >= span or early >= span or (serious and serious <= late):
        raise BadShiftRule(span_minutes=span)
    if kind == "flexible" and (required <= 0 or required > 24 * 60 - 1):
        raise BadShiftRule(span_minutes=span)


async def check_create_shift(uow: UnitOfWork, actor: Actor, body: ShiftCreate) -> ShiftRead:
    """Raises: Forbidden (not an admin), BadShiftTime, ShiftEndsBeforeStart, ShiftTooLong, BadShiftRule."""
    org_id = require_rules_admin(actor)
    start, end = parse_hhmm(body.start), parse_hhmm(body.end)
    _check_shift_fields(
        body.kind, start, end, body.overnight, body.late_grace_minutes, body.early_grace_minutes,
        body.serious_late_minutes, body.required_minutes,
    )
    shift = AttendanceShift(
        name=body.name, kind=body.kind, start_minute=start, end_minute=end, overnight=body.overnight,
        late_grace_minutes=body.late_grace_minutes, early_grace_minutes=body.early_grace_minutes,
        serious_late_minutes=body.serious_late_minutes, required_minutes=body.required_minutes if body.kind == "flexible" else 0,
    )
    ShiftRepository(uow.session, org_id).add(shift)
    await uow.session.flush()
    return shift_read(shift)


async def check_update_shift(uow: UnitOfWork, actor: Actor, shift_id: int, body: ShiftUpdate) -> ShiftRead:
    """Same checks as creating; members using the shift get their month recomputed."""
    shift = await access_shift_by_id(uow.session, actor, shift_id)
    start = parse_hhmm(body.start) if body.start is not None else shift.start_minute
    end = parse_hhmm(body.end) if body.end is not None else shift.end_minute
    overnight = shift.overnight if body.overnight is None else body.overnight
    values = body.model_dump(exclude_unset=True, exclude={"start", "end", "overnight"})
    merged = {
        "late_grace_minutes": shift.late_grace_minutes, "early_grace_minutes": shift.early_grace_minutes,
        "serious_late_minutes": shift.serious_late_minutes, "required_minutes": shift.required_minutes,
        **{k: v for k, v in values.items() if v is not None and k != "name"},
    }
    _check_shift_fields(
        shift.kind, start, end, overnight, merged["late_grace_minutes"], merged["early_grace_minutes"],
        merged["serious_late_minutes"], merged["required_minutes"],
    )
    shift.start_minute, shift.end_minute, shift.overnight = start, end, overnight
    for key, value in merged.items():
        setattr(shift, key, value)
    if body.name is not None:
        shift.name = body.name
    enqueue_recompute(uow, shift.org_id, None, reason="shift")
    await uow.session.flush()
    return shift_read(shift)


async def check_delete_shift(uow: UnitOfWork, actor: Actor, shift_id: int) -> None:
    shift = await access_shift_by_id(uow.session, actor, shift_id)
    if await GroupRepository(uow.session, shift.org_id).using_shift(shift_id) or await ScheduleRepository(
        uow.session, shift.org_id
    ).using_shift(shift_id):
        raise ShiftInUse()
    await uow.session.delete(shift)


# --- groups ---------------------------------------------------------------------------------


async def _check_group_shift(session: AsyncSession, org_id: int, kind: str, shift_id: int | None) -> None:
    if kind == "scheduled":
        if shift_id is not None:
            raise GroupNeedsShift("A scheduled group takes its shifts from the schedule")
        return
    if shift_id is None:
        raise GroupNeedsShift()
    shift = await ShiftRepository(session, org_id).get(shift_id)
    if shift is None:
        raise ShiftNotFound()
    if shift.kind != kind:
        raise GroupNeedsShift()


async def check_create_group(uow: UnitOfWork, actor: Actor, body: GroupCreate) -> GroupRead:
    """Raises: Forbidden, GroupNeedsShift, ShiftNotFound. Plans the org's daily closing."""
    org_id = require_rules_admin(actor)
    await _check_group_shift(uow.session, org_id, body.kind, body.shift_id)
    group = AttendanceGroup(**body.model_dump(), org_id=org_id)
    group.rest_weekdays = sorted(set(body.rest_weekdays))
    GroupRepository(uow.session, org_id).add(group)
    await uow.session.flush()
    tz_name = await org_timezone(uow.session, org_id)
    today = utc_now().astimezone(ZoneInfo(tz_name)).date()
    plan_close_day(uow, org_id, today, tz_name)
    if group.reminders:
        await plan_reminders(uow, org_id, group.id, today)
    return group_read(group, [], [])


async def check_update_group(uow: UnitOfWork, actor: Actor, group_id: int, body: GroupUpdate) -> GroupRead:
    group = await access_group_by_id(uow.session, actor, group_id)
    values = body.model_dump(exclude_unset=True)
    if "shift_id" in values:
        await _check_group_shift(uow.session, group.org_id, group.kind, values["shift_id"])
    for key, value in values.items():
        if value is None and key != "shift_id":
            continue
        setattr(group, key, sorted(set(value)) if key == "rest_weekdays" else value)
    if {"shift_id", "rest_weekdays", "use_holidays"} & set(values):
        enqueue_recompute(uow, group.org_id, None, reason="group")
    await uow.session.flush()
    if values.get("reminders"):
        tz = ZoneInfo(await org_timezone(uow.session, group.org_id))
        await plan_reminders(uow, group.org_id, group.id, utc_now().astimezone(tz).date())
    return await _group_read_full(uow.session, group)


async def _group_read_full(session: AsyncSession, group: AttendanceGroup) -> GroupRead:
    assignments = AssignmentRepository(session, group.org_id)
    members = sorted(m for m, g in (await assignments.members()).items() if g == group.id)
    departments = sorted(d for d, g in (await assignments.departments()).items() if g == group.id)
    return group_read(group, members, departments)


async def check_delete_group(uow: UnitOfWork, actor: Actor, group_id: int) -> None:
    group = await access_group_by_id(uow.session, actor, group_id)
    affected = await _members_of_group(uow.session, group.org_id, group.id)
    await uow.session.delete(group)
    await uow.session.flush()
    if affected:
        enqueue_recompute(uow, group.org_id, affected, reason="group_deleted")


async def _members_of_group(session: AsyncSession, org_id: int, group_id: int) -> list[int]:
    return sorted(m for m, g in (await calendar.resolve_groups(session, org_id, None)).items() if g == group_id)


async def check_assign_group(uow: UnitOfWork, actor: Actor, group_id: int, body: GroupAssign) -> GroupRead:
    """Replaces the group's members and departments (taking them from other groups).

    Raises: GroupNotFound, MemberNotFound (unknown, inactive or another org's), DepartmentNotFound.
    """
    group = await access_group_by_id(uow.session, actor, group_id)
    org_id = group.org_id
    member_ids, department_ids = sorted(set(body.member_ids)), sorted(set(body.department_ids))
    found = await member_contacts(uow.session, org_id, member_ids)
    missing = [m for m in member_ids if m not in found or not found[m].active]
    if missing:
        raise MemberNotFound(member_ids=missing[:20])
    tree = await load_tree(uow.session, org_id)
    unknown = [d for d in department_ids if d not in tree]
    if unknown:
        raise DepartmentNotFound(department_ids=unknown[:20])
    before = await calendar.resolve_groups(uow.session, org_id, None)
    await AssignmentRepository(uow.session, org_id).replace(group.id, member_ids, department_ids)
    after = await calendar.resolve_groups(uow.session, org_id, None)
    changed = sorted(m for m in set(before) | set(after) if before.get(m) != after.get(m))
    if changed:
        enqueue_recompute(uow, org_id, changed, reason="assignment")
    return group_read(group, member_ids, department_ids)


# --- places ---------------------------------------------------------------------------------


def check_coordinates(lat: float | None, lng: float | None) -> None:
    if (lat is None) != (lng is None):
        raise CoordinatesOutOfRange("Give both latitude and longitude")
    if lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise CoordinatesOutOfRange(lat=lat, lng=lng)


async def check_add_place(uow: UnitOfWork, actor: Actor, group_id: int, body: PlaceCreate) -> PlaceRead:
    """Raises: GroupNotFound, BadPlace, CoordinatesOutOfRange, RadiusOutOfRange."""
    group = await access_group_by_id(uow.session, actor, group_id)
    place = AttendancePlace(group_id=group.id, kind=body.kind, name=body.name)
    if body.kind == "geo":
        if body.lat is None or body.lng is None or body.radius_m is None:
            raise BadPlace()
        check_coordinates(body.lat, body.lng)
        if not (RADIUS_RANGE[0] <= body.radius_m <= RADIUS_RANGE[1]):
            raise RadiusOutOfRange(radius_m=body.radius_m)
        place.lat, place.lng, place.radius_m = body.lat, body.lng, body.radius_m
    else:
        bssid = normalise_bssid(body.bssid or "")
        if not body.ssid or len(bssid.split(":")) != 6 or not all(len(p) == 2 and all(c in "0123456789abcdef" for c in p) for p in bssid.split(":")):
            raise BadPlace()
        place.ssid, place.bssid = body.ssid, bssid
    PlaceRepository(uow.session, group.org_id).add(place)
    await uow.session.flush()
    return place_read(place)


async def check_delete_place(uow: UnitOfWork, actor: Actor, place_id: int) -> None:
    place = await access_place_by_id(uow.session, actor, place_id)
    await uow.session.delete(place)


# --- holidays and schedules -----------------------------------------------------------------


async def check_set_holidays(uow: UnitOfWork, actor: Actor, body: HolidaySet) -> HolidayList:
    """Replaces the calendar between from_day and to_day. Raises: BadRange (empty, over 400
    days, or an item outside the range)."""
    org_id = require_rules_admin(actor)
    if body.to_day < body.from_day or (body.to_day - body.from_day).days > MAX_HOLIDAY_SPAN_DAYS:
        raise BadRange()
    items = {i.day: i for i in body.items}
    if any(not (body.from_day <= d <= body.to_day) for d in items):
        raise BadRange("Every day must lie inside the range")
    await HolidayRepository(uow.session, org_id).replace(
        body.from_day, body.to_day, [{"day": i.day, "kind": i.kind, "name": i.name} for i in items.values()]
    )
    enqueue_recompute(uow, org_id, None, reason="holidays")
    return HolidayList(items=sorted(items.values(), key=lambda i: i.day))


async def check_set_schedules(uow: UnitOfWork, actor: Actor, body: ScheduleSet) -> ScheduleList:
    """排班: sets members' shifts per day (None = rest).

    Raises: MemberNotFound, NotScheduledGroup (the member is not in a scheduled group),
    ShiftNotFound, ScheduleOverlap (a day's shift would overlap the previous or next day's,
    e.g. a night shift ending at 06:00 before a 05:00 start).
    """
    org_id = require_rules_admin(actor)
    member_ids = sorted({i.member_id for i in body.items})
    groups = await calendar.resolve_groups(uow.session, org_id, member_ids)
    all_groups = {g.id: g for g in await GroupRepository(uow.session, org_id).all()}
    for m in member_ids:
        if m not in groups:
            found = await member_contacts(uow.session, org_id, [m])
            if m not in found:
                raise MemberNotFound(member_ids=[m])
            raise NotScheduledGroup(member_id=m)
        if all_groups[groups[m]].kind != "scheduled":
            raise NotScheduledGroup(member_id=m)
    shifts = {s.id: s for s in await ShiftRepository(uow.session, org_id).all()}
    unknown = {i.shift_id for i in body.items if i.shift_id is not None and i.shift_id not in shifts}
    if unknown:
        raise ShiftNotFound(shift_ids=sorted(unknown))
    days = [i.day for i in body.items]
    start, end = min(days), max(days)
    existing = await ScheduleRepository(uow.session, org_id).between(member_ids, start - timedelta(days=1), end + timedelta(days=1))
    merged = {**existing, **{(i.member_id, i.day): i.shift_id for i in body.items}}
    tz = ZoneInfo(await org_timezone(uow.session, org_id))
    rules = {sid: calendar.shift_rule(s) for sid, s in shifts.items()}
    for item in body.items:
        for a_day, b_day in ((item.day - timedelta(days=1), item.day), (item.day, item.day + timedelta(days=1))):
            a, b = merged.get((item.member_id, a_day)), merged.get((item.member_id, b_day))
            if a is None or b is None:
                continue
            if instance(a_day, rules[a], tz).end > instance(b_day, rules[b], tz).start:
                raise ScheduleOverlap(member_id=item.member_id, day=b_day.isoformat())
    await ScheduleRepository(uow.session, org_id).upsert(
        [{"member_id": i.member_id, "day": i.day, "shift_id": i.shift_id} for i in body.items]
    )
    await calendar.recompute(uow.session, org_id, member_ids, start, end, utc_now(), groups=groups)
    return ScheduleList(items=body.items)


# --- check-in -------------------------------------------------------------------------------


async def _member_group(session: AsyncSession, org_id: int, member_id: int) -> AttendanceGroup:
    group_id = await calendar.member_group_id(session, org_id, member_id)
    group = await GroupRepository(session, org_id).get(group_id) if group_id is not None else None
    if group is None:
        raise NotInGroup()
    return group


def _match_place(places: list[AttendancePlace], body: CheckinCreate) -> tuple[AttendancePlace | None, float | None]:
    """The place the evidence matches (Wi-Fi first: it cannot drift), and the distance to the
    nearest geofence when none matched."""
    bssid = normalise_bssid(body.bssid) if body.bssid else None
    for place in places:
        if place.kind == "wifi" and bssid and place.bssid == bssid and (not body.ssid or body.ssid == place.ssid):
            return place, None
    nearest: float | None = None
    if body.lat is not None and body.lng is not None:
        for place in places:
            if place.kind != "geo":
                continue
            d = distance_m(body.lat, body.lng, place.lat or 0.0, place.lng or 0.0)
            if d <= (place.radius_m or 0):
                return place, d
            nearest = d if nearest is None else min(nearest, d)
    return None, nearest


def _check_clock(body: CheckinCreate, now: datetime) -> datetime:
    """The client's time (naive means UTC); ClockSkew when it is too far from the server's."""
    client_time = body.client_time if body.client_time.tzinfo else body.client_time.replace(tzinfo=ZoneInfo("UTC"))
    if abs(client_time - now) > MAX_CLOCK_SKEW:
        raise ClockSkew(server_time=now.isoformat())
    return client_time


def _check_place(group: AttendanceGroup, places: list[AttendancePlace], body: CheckinCreate, client_time: datetime) -> dict[str, Any]:
    """Where the punch counts (or why it does not): the evidence to record with it."""
    place, nearest = _match_place(places, body) if places else (None, None)
    is_field = False
    if places and place is None:
        if not body.field:
            raise OutOfRange(**({"nearest_m": round(nearest)} if nearest is not None else {}))
        if not group.allow_field:
            raise FieldNotAllowed()
        if not body.note:
            raise FieldNoteRequired()
        is_field = True
    return {
        "lat": body.lat, "lng": body.lng, "accuracy_m": body.accuracy_m, "ssid": body.ssid,
        "bssid": normalise_bssid(body.bssid) if body.bssid else None, "place_id": place.id if place else None,
        "client_device": body.client_device, "client_time": client_time, "field": is_field, "note": body.note,
    }


async def check_checkin(uow: UnitOfWork, actor: Actor, body: CheckinCreate, *, now: datetime | None = None) -> CheckinRead:
    """A member checks in or out from the app / web client.

    Decisions: a group without places accepts any position; Wi-Fi evidence is tried before the
    position; outside every place the punch needs `field` + a note and a group allowing 外勤.
    A punch that already exists (same member, attendance day and kind) is returned as it is
    (`duplicate`), except that `replace` lets a later check-out replace the earlier (更新打卡).
    `do_checkin_batch` takes the same decisions for many check-ins at once.

    Raises: ClockSkew, CoordinatesOutOfRange (400), NotInGroup (409), ClientDeviceRequired,
    DeviceNotBound (403), OutOfRange (400), FieldNotAllowed (403), FieldNoteRequired (400).
    """
    org_id = org_id_of(actor)
    member_id = actor.member_id
    if member_id is None:
        raise NotInGroup()
    now = now or utc_now()
    client_time = _check_clock(body, now)
    check_coordinates(body.lat, body.lng)
    group = await _member_group(uow.session, org_id, member_id)
    if group.require_binding:
        await _check_binding(uow.session, org_id, member_id, body.client_device, now)
    places = await PlaceRepository(uow.session, org_id).of_group(group.id)
    evidence = _check_place(group, places, body, client_time)
    return await do_punch(uow, org_id, member_id, group, now, body.kind, evidence, source="app", replace=body.replace)


@dataclass(slots=True)
class CheckinRequest:
    """One check-in of a batch: who (a session token, checked in the batch's transaction),
    what, and when the server received it. `refused`: the error the request carries once its
    session is known to be valid (a browser's missing CSRF header)."""

    org_id: int
    token_hash: str
    body: CheckinCreate
    now: datetime
    refused: AppError | None = None


async def do_checkin_batch(
    uow: UnitOfWork, requests: list[CheckinRequest], *, reads: AsyncSession | None = None
) -> list[CheckinRead | AppError]:
    """Many check-ins in one transaction (the 9:00 burst), each decided exactly as
    `check_checkin` decides it (same checks, same order, same errors), the records written in
    one statement and the day results in another. Returns, per request, its answer or the
    error it is refused with; a refused request writes nothing. Replacing a check-out
    (`replace`) is not batched: it goes through `check_checkin`.

    Who: each session token is resolved in this transaction (directory.access), so a session
    ended a moment ago is refused. `reads`: a session for the reads (sessions, rules, the
    day's punches) if not the unit of work's: on SQLite a read connection answers them
    without the writer's thread hand-offs. Exactly one record per member, day and kind: the batch
    settles repeats within itself and against the table, and the unique constraint settles a
    race with another server process (the punch then answers as the duplicate it is)."""
    answers: list[CheckinRead | AppError | None] = [None] * len(requests)
    by_org: dict[int, list[int]] = {}
    for index, request in enumerate(requests):
        by_org.setdefault(request.org_id, []).append(index)
    for org_id, indexes in by_org.items():
        batch = [requests[i] for i in indexes]
        for index, answer in zip(indexes, await _checkin_org_batch(uow, reads or uow.session, org_id, batch), strict=True):
            answers[index] = answer
    return answers  # type: ignore[return-value]


async def _checkin_org_batch(
    uow: UnitOfWork, session: AsyncSession, org_id: int, requests: list[CheckinRequest]
) -> list[CheckinRead | AppError]:
    answers: list[CheckinRead | AppError | None] = [None] * len(requests)
    actors = await actors_for_sessions(session, org_id, [r.token_hash for r in requests], utc_now())
    live: list[tuple[int, int, datetime]] = []  # (index, member, client time)
    for index, request in enumerate(requests):
        actor = actors[request.token_hash]
        try:
            if isinstance(actor, AppError):
                raise actor
            if request.refused is not None:
                raise request.refused
            if actor.member_id is None:
                raise NotInGroup()
            client_time = _check_clock(request.body, request.now)
            check_coordinates(request.body.lat, request.body.lng)
        except AppError as exc:
            answers[index] = exc
            continue
        live.append((index, actor.member_id, client_time))
    if not live:
        return answers  # type: ignore[return-value]
    members = sorted({m for _, m, _ in live})
    member_groups = await calendar.resolve_groups(session, org_id, members)
    first = min(requests[i].now for i, _, _ in live)
    last = max(requests[i].now for i, _, _ in live)
    rules = await calendar.load_rules(session, org_id, (first - timedelta(days=2)).date(), (last + timedelta(days=2)).date(), member_ids=members)
    places: dict[int, list[AttendancePlace]] = {}
    for place in await PlaceRepository(session, org_id).all():
        places.setdefault(place.group_id, []).append(place)
    binding_members = [m for _, m, _ in live if (g := rules.groups.get(member_groups.get(m, 0))) is not None and g.require_binding]
    bound = await BindingRepository(session, org_id).of_members(binding_members) if binding_members else {}
    new_bindings: dict[int, str] = {}

    # (index, member, group, attendance day, shift instance, evidence)
    valid: list[tuple[int, int, AttendanceGroup, date, ShiftInstance | None, dict[str, Any]]] = []
    for index, member_id, client_time in live:
        body = requests[index].body
        try:
            group = rules.groups.get(member_groups.get(member_id, 0))
            if group is None:
                raise NotInGroup()
            binding = None
            if group.require_binding:
                if not body.client_device:
                    raise ClientDeviceRequired()
                binding = bound.get(member_id, body.client_device)
                if binding != body.client_device:
                    raise DeviceNotBound()
            evidence = _check_place(group, places.get(group.id, []), body, client_time)
        except AppError as exc:
            answers[index] = exc
            continue
        if binding is not None and member_id not in bound:
            bound[member_id] = new_bindings[member_id] = binding
        day, inst = _locate_in(rules, group, member_id, requests[index].now)
        valid.append((index, member_id, group, day, inst, evidence))
    if not valid:
        return answers  # type: ignore[return-value]

    records = RecordRepository(session, org_id)
    writes = RecordRepository(uow.session, org_id)
    valid_members = sorted({v[1] for v in valid})
    low, high = min(v[3] for v in valid), max(v[3] for v in valid)
    # (member, day, kind) → the record: a row read from the table, or a dict written now
    punches: dict[tuple[int, date, str], Any] = {(r.member_id, r.day, r.kind): r for r in await records.rows_of(valid_members, low, high)}
    written: list[dict[str, Any]] = []
    plan: list[tuple[int, tuple[int, date, str], bool]] = []  # (index, key, new?)
    for index, member_id, group, day, inst, evidence in valid:
        request = requests[index]
        kind = request.body.kind or ("out" if (member_id, day, "in") in punches else "in")
        key = (member_id, day, kind)
        if key in punches:
            plan.append((index, key, False))
            continue
        row = {
            "member_id": member_id, "day": day, "kind": kind, "checked_at": request.now, "source": "app", "group_id": group.id,
            "shift_id": inst.shift.id if inst else None, "created_at": request.now, "device_id": None, **evidence,
        }
        punches[key] = row
        written.append(row)
        plan.append((index, key, True))
    if new_bindings:
        bindings = BindingRepository(uow.session, org_id)
        for member_id, client_device in new_bindings.items():
            await bindings.bind_once(member_id, client_device, max(r.now for r in requests))
    ids = {(m, d, k): record_id for record_id, m, d, k in await writes.insert_many_once(written)}
    lost = [(r["member_id"], r["day"], r["kind"]) for r in written if (r["member_id"], r["day"], r["kind"]) not in ids]
    if lost:  # another server wrote these punches first: theirs are the records
        theirs = {(r.member_id, r.day, r.kind): r for r in await writes.rows_of(sorted({k[0] for k in lost}), low, high)}
        for key in lost:
            punches[key] = theirs[key]
        plan = [(index, key, new and key in ids) for index, key, new in plan]

    # The day results of the member-days that got a new punch, computed from every punch of the day.
    group_of = {v[1]: v[2].id for v in valid}
    touched: dict[tuple[int, date], datetime] = {}
    for index, key, new in plan:
        if new:
            touched[key[:2]] = max(touched.get(key[:2], requests[index].now), requests[index].now)
    window_start = datetime.combine(low - timedelta(days=1), datetime.min.time(), rules.tz)
    window_end = datetime.combine(high + timedelta(days=2), datetime.min.time(), rules.tz)
    leaves: dict[int, list[tuple[datetime, datetime]]] = {}
    if touched:
        for leave in await LeaveRepository(session, org_id).overlapping(sorted({m for m, _ in touched}), window_start, window_end):
            leaves.setdefault(leave.member_id, []).append((leave.start_at, leave.end_at))
    results: dict[tuple[int, date], dict[str, Any]] = {}
    for (member_id, day), at in touched.items():
        day_punches = {}
        for kind in ("in", "out"):
            p = punches.get((member_id, day, kind))
            if p is not None:
                day_punches[kind] = Punch(p["checked_at"], bool(p["field"])) if isinstance(p, dict) else Punch(p.checked_at, bool(p.field))
        results[(member_id, day)] = calendar.result_row(rules, group_of[member_id], member_id, day, day_punches, leaves.get(member_id, []), at)
    await ResultRepository(uow.session, org_id).upsert(list(results.values()))
    stored: dict[tuple[int, date], Any] = {}
    untouched = {key[:2] for _, key, _ in plan if key[:2] not in results}
    if untouched:
        found = await ResultRepository(session, org_id).rows_on(sorted({m for m, _ in untouched}), sorted({d for _, d in untouched}))
        stored = {(r.member_id, r.day): r for r in found}

    await hooks.emit_check_ins(uow, [
        hooks.CheckedIn(
            org_id=org_id, record_id=ids[key], member_id=key[0], group_id=group_of[key[0]], day=key[1], kind=key[2],
            checked_at=punches[key]["checked_at"], source="app", place_id=punches[key].get("place_id"),
            field=bool(punches[key].get("field")), device_id=None,
        )
        for _, key, new in plan if new and isinstance(punches[key], dict)
    ])
    for index, key, new in plan:
        record = punches[key]
        if isinstance(record, dict):
            record_out = RecordRead.model_validate({**record, "id": ids[key]})
        else:
            record_out = record_read(record)
        computed = results.get(key[:2])
        if computed is not None:
            result_out: ResultRead | None = ResultRead.model_validate(computed)
        else:
            result_out = result_read(stored[key[:2]]) if key[:2] in stored else None
        answers[index] = CheckinRead.model_construct(record=record_out, duplicate=not new, result=result_out)
    return answers  # type: ignore[return-value]


async def _check_binding(session: AsyncSession, org_id: int, member_id: int, client_device: str | None, now: datetime) -> None:
    if not client_device:
        raise ClientDeviceRequired()
    bindings = BindingRepository(session, org_id)
    bound = await bindings.of_member(member_id)
    if bound is None:
        await bindings.bind_once(member_id, client_device, now)
        bound = await bindings.of_member(member_id)
    if bound is not None and bound.client_device != client_device:
        raise DeviceNotBound()


async def _locate(
    session: AsyncSession, org_id: int, member_id: int, group: AttendanceGroup, at: datetime
) -> tuple[date, ShiftInstance | None, calendar.Rules]:
    """The attendance day and shift a punch at `at` belongs to, and the rules read."""
    rules = await calendar.load_rules(
        session, org_id, (at - timedelta(days=2)).date(), (at + timedelta(days=2)).date(), member_ids=[member_id], group=group
    )
    day, inst = _locate_in(rules, group, member_id, at)
    return day, inst, rules


def _locate_in(rules: calendar.Rules, group: AttendanceGroup, member_id: int, at: datetime) -> tuple[date, ShiftInstance | None]:
    """Yesterday's night shift, today's shift, or, outside every window, the local day
    without a shift."""
    local = rules.local_day(at)
    candidates = [i for d in (-1, 0, 1) if (i := rules.instance_on(group, member_id, local + timedelta(days=d))) is not None]
    inst = pick_instance(at, candidates)
    return (inst.day if inst else local), inst


async def do_punch(
    uow: UnitOfWork,
    org_id: int,
    member_id: int,
    group: AttendanceGroup,
    at: datetime,
    kind: str | None,
    evidence: dict[str, Any],
    *,
    source: str,
    replace: bool = False,
    now: datetime | None = None,
) -> CheckinRead:
    """Writes one punch at `at` (exactly once per member, day and kind: the unique constraint
    settles retries and races) and recomputes that day's result."""
    now = now or at
    session = uow.session
    day, inst, rules = await _locate(session, org_id, member_id, group, at)
    records = RecordRepository(session, org_id)
    if kind is None:
        kind = "out" if await records.one(member_id, day, "in") is not None else "in"
    row = {
        "member_id": member_id, "day": day, "kind": kind, "checked_at": at, "source": source, "group_id": group.id,
        "shift_id": inst.shift.id if inst else None, "created_at": now, **evidence,
    }
    record_id = await records.insert_once(row)
    duplicate = record_id is None
    if duplicate:
        existing = await records.one(member_id, day, kind)
        assert existing is not None
        if not (kind == "out" and replace and at > existing.checked_at):
            result = await ResultRepository(session, org_id).between([member_id], day, day)
            return CheckinRead(record=record_read(existing), duplicate=True, result=result_read(result[0]) if result else None)
        await records.replace_out(existing.id, {k: v for k, v in row.items() if k not in ("member_id", "day", "kind", "created_at")})
        record_id = existing.id
    result = await calendar.recompute_one(session, org_id, rules, group.id, member_id, day, max(now, at))
    await hooks.emit_check_ins(uow, [hooks.CheckedIn(
        org_id=org_id, record_id=record_id, member_id=member_id, group_id=group.id, day=day, kind=kind, checked_at=at,
        source=source, place_id=evidence.get("place_id"), field=bool(evidence.get("field")), device_id=evidence.get("device_id"),
    )])
    # Answered from what was written: no second read of the row on the hot path.
    record = RecordRead.model_validate({"device_id": None, "lat": None, "lng": None, "accuracy_m": None, "ssid": None, "bssid": None,
                                        "place_id": None, "field": False, "note": None, **row, "id": record_id})
    return CheckinRead(record=record, duplicate=False, result=ResultRead.model_validate(result))


# --- the approvals hook: leaves and card corrections (补卡) -------------------------------------


async def do_mark_leave(
    uow: UnitOfWork, org_id: int, member_id: int, start_at: datetime, end_at: datetime, *, kind: str, ref: str
) -> AttendanceLeave:
    """Records an approved leave (once per `ref`: a repeated call changes nothing) and
    recomputes the days it touches. Raises LeaveBadRange, MemberNotFound."""
    if end_at <= start_at:
        raise LeaveBadRange()
    if member_id not in await member_contacts(uow.session, org_id, [member_id]):
        raise MemberNotFound(member_ids=[member_id])
    leaves = LeaveRepository(uow.session, org_id)
    leave = await leaves.by_ref(ref)
    if leave is None:
        leave = leaves.add(AttendanceLeave(member_id=member_id, start_at=start_at, end_at=end_at, kind=kind, ref=ref))
        await uow.session.flush()
    await _recompute_span(uow, org_id, leave.member_id, leave.start_at, leave.end_at)
    return leave


async def do_cancel_leave(uow: UnitOfWork, org_id: int, ref: str) -> None:
    """A revoked leave (the approval withdrawn after approval): its days are recomputed."""
    leave = await LeaveRepository(uow.session, org_id).by_ref(ref)
    if leave is None or leave.cancelled:
        return
    leave.cancelled = True
    await uow.session.flush()
    await _recompute_span(uow, org_id, leave.member_id, leave.start_at, leave.end_at)


async def _recompute_span(uow: UnitOfWork, org_id: int, member_id: int, start_at: datetime, end_at: datetime) -> None:
    tz = ZoneInfo(await org_timezone(uow.session, org_id))
    # The day before too: an overnight shift of that day may run into the leave.
    first = start_at.astimezone(tz).date() - timedelta(days=1)
    last = end_at.astimezone(tz).date()
    await calendar.recompute(uow.session, org_id, [member_id], first, last, utc_now())


async def do_correct_card(
    uow: UnitOfWork, org_id: int, member_id: int, day: date, kind: str, at: datetime, *, ref: str, note: str = ""
) -> AttendanceRecord:
    """补卡: an approved card correction sets the member's `kind` punch of `day` to `at`
    (creating it, or replacing a punch the approval corrects), then recomputes the day.
    Idempotent: the same correction applied twice leaves the same record."""
    if kind not in ("in", "out"):
        raise BadRange("kind is 'in' or 'out'")
    if member_id not in await member_contacts(uow.session, org_id, [member_id]):
        raise MemberNotFound(member_ids=[member_id])
    groups = await calendar.resolve_groups(uow.session, org_id, [member_id])
    values = {
        "checked_at": at, "source": "correction", "group_id": groups.get(member_id), "note": note or f"补卡 {ref}",
        "field": False, "place_id": None, "device_id": None,
    }
    records = RecordRepository(uow.session, org_id)
    if await records.insert_once({"member_id": member_id, "day": day, "kind": kind, "created_at": utc_now(), **values}) is None:
        existing = await records.one(member_id, day, kind)
        assert existing is not None
        await records.replace_out(existing.id, values)
    await calendar.recompute(uow.session, org_id, [member_id], day, day, utc_now(), groups=groups)
    record = await records.one(member_id, day, kind)
    assert record is not None
    await uow.session.refresh(record)
    return record


# --- clock-in devices -----------------------------------------------------------------------

MAX_DEVICE_BATCH = 1000


async def check_create_device(uow: UnitOfWork, actor: Actor, body: DeviceCreate) -> DeviceRead:
    """Registers a clock-in machine; the answer carries its secret, the only time it is shown.
    Raises: DeviceSerialTaken (409, serials are unique across organizations), GroupNotFound."""
    org_id = require_rules_admin(actor)
    if body.group_id is not None:
        await access_group_by_id(uow.session, actor, body.group_id)
    if await device_by_serial(uow.session, body.serial) is not None:
        raise DeviceSerialTaken()
    device = AttendanceDevice(name=body.name, serial=body.serial, secret=signing.new_secret(), group_id=body.group_id, active=True)
    DeviceRepository(uow.session, org_id).add(device)
    await uow.session.flush()
    return device_read(device, with_secret=True)


async def check_update_device(uow: UnitOfWork, actor: Actor, device_id: int, body: DeviceUpdate) -> DeviceRead:
    device = await access_device_by_id(uow.session, actor, device_id)
    values = body.model_dump(exclude_unset=True)
    if values.get("group_id") is not None:
        await access_group_by_id(uow.session, actor, values["group_id"])
    for key, value in values.items():
        if value is not None or key == "group_id":
            setattr(device, key, value)
    await uow.session.flush()
    return device_read(device)


async def check_delete_device(uow: UnitOfWork, actor: Actor, device_id: int) -> None:
    await uow.session.delete(await access_device_by_id(uow.session, actor, device_id))


async def check_reset_binding(uow: UnitOfWork, actor: Actor, member_id: int) -> None:
    """An admin frees a member's bound phone (they changed phones)."""
    org_id = require_rules_admin(actor)
    await BindingRepository(uow.session, org_id).reset(member_id)


async def check_device_batch(
    uow: UnitOfWork, serial: str, timestamp: str, signature: str, raw: bytes, *, now: datetime | None = None
) -> DeviceBatchRead:
    """A signed upload from a clock-in machine: live punches or an offline backlog.

    Decisions: an unknown serial and a wrong signature fail alike (401, nothing revealed); the
    request time must be fresh, the punch times may be old; records are applied in time order
    whatever order they came in; a punch already recorded counts as a duplicate; a record
    that cannot apply (unknown member, no group, bound to another group's devices) is
    reported by index and the rest are kept, so the machine can drop its backlog.

    Raises: BadSignature, StaleDeviceRequest (401), DeviceDisabled (403), TooManyRecords (413),
    validation_error (422).
    """
    now = now or utc_now()
    device = await device_by_serial(uow.session, serial)
    if device is None or not signing.verify(device.secret, timestamp, raw, signature):
        raise BadSignature()
    try:
        sent_at = datetime.fromtimestamp(int(timestamp), tz=ZoneInfo("UTC"))
    except (ValueError, OverflowError):
        raise StaleDeviceRequest() from None
    if abs(sent_at - now).total_seconds() > signing.MAX_REQUEST_AGE_SECONDS:
        raise StaleDeviceRequest()
    if not device.active:
        raise DeviceDisabled()
    try:
        batch = DeviceBatch.model_validate_json(raw)
    except ValidationError as exc:
        raise BadBatch(f"Bad batch: {exc.errors()[0]['msg']}") from None
    if len(batch.records) > MAX_DEVICE_BATCH:
        raise TooManyRecords(limit=MAX_DEVICE_BATCH)
    org_id = device.org_id
    session = uow.session
    by_no = await member_ids_by_employee_no(session, org_id, [r.employee_no for r in batch.records if r.employee_no and not r.member_id])
    wanted = {r.member_id or by_no.get(r.employee_no or "") for r in batch.records} - {None}
    contacts = await member_contacts(session, org_id, [m for m in wanted if m is not None])
    member_groups = await calendar.resolve_groups(session, org_id, sorted(m for m in contacts if contacts[m].active))
    groups = {g.id: g for g in await GroupRepository(session, org_id).all()}
    accepted = duplicates = 0
    rejected: list[DeviceRejected] = []
    order = sorted(range(len(batch.records)), key=lambda i: batch.records[i].at.timestamp() if batch.records[i].at.tzinfo else 0)
    for index in order:
        punch = batch.records[index]
        member_id = punch.member_id or by_no.get(punch.employee_no or "")
        if punch.at.tzinfo is None:
            rejected.append(DeviceRejected(index=index, code="naive_time"))
            continue
        # A machine's clock may lag (an offline backlog is old) but not run a day ahead;
        # nothing outside the attendance calendar's span can be placed on a day.
        if not FIRST_DAY < punch.at.date() < LAST_DAY or punch.at > now + timedelta(days=1):
            rejected.append(DeviceRejected(index=index, code="bad_time"))
            continue
        if member_id is None or member_id not in contacts or not contacts[member_id].active:
            rejected.append(DeviceRejected(index=index, code="member_not_found"))
            continue
        group = groups.get(member_groups.get(member_id, 0))
        if group is None:
            rejected.append(DeviceRejected(index=index, code=NotInGroup.code))
            continue
        if group.require_binding and device.group_id != group.id:
            rejected.append(DeviceRejected(index=index, code=DeviceNotBound.code))
            continue
        if await do_device_punch(uow, org_id, member_id, group, punch.at, punch.kind, device.id, now=now):
            accepted += 1
        else:
            duplicates += 1
    device.last_seen_at = now
    return DeviceBatchRead(accepted=accepted, duplicates=duplicates, rejected=sorted(rejected, key=lambda r: r.index))


async def do_device_punch(
    uow: UnitOfWork, org_id: int, member_id: int, group: AttendanceGroup, at: datetime, kind: str | None, device_id: int, *, now: datetime
) -> bool:
    """One machine punch; False when it changes nothing (already recorded, or between the
    day's first and last punch). Without a kind, the day's earliest punch is the check-in and
    its latest the check-out, whatever order they arrive in."""
    session = uow.session
    day, inst, _ = await _locate(session, org_id, member_id, group, at)
    records = RecordRepository(session, org_id)
    mine = {"checked_at": at, "source": "device", "device_id": device_id, "group_id": group.id,
            "shift_id": inst.shift.id if inst else None, "field": False}
    base = {"member_id": member_id, "day": day, "created_at": now}
    written: tuple[str, int | None] | None = None  # (kind, record id) of this punch, for the hook
    if kind is not None:
        record_id = await records.insert_once({**base, "kind": kind, **mine})
        if record_id is None:
            return False
        written = (kind, record_id)
    else:
        existing = {k: await records.one(member_id, day, k) for k in ("in", "out")}
        if any(r is not None and r.checked_at == at for r in existing.values()):
            return False
        first, last = existing["in"], existing["out"]
        if first is not None and last is not None and first.checked_at < at < last.checked_at:
            return False  # between the day's first and last punch: changes nothing
        punches: list[dict[str, Any]] = [mine]
        for r in existing.values():
            if r is not None:
                punches.append({c: getattr(r, c) for c in _EVIDENCE})
        punches.sort(key=lambda p: p["checked_at"])
        wanted = {"in": punches[0], "out": punches[-1] if len(punches) > 1 else None}
        for k, values in wanted.items():
            if values is None:
                continue
            row = existing[k]
            if row is None:
                record_id = await records.insert_once({**base, "kind": k, **{c: None for c in _EVIDENCE}, **values})
            elif row.checked_at != values["checked_at"]:
                await records.replace_out(row.id, {c: None for c in _EVIDENCE} | values)
                record_id = row.id
            else:
                continue
            if values is mine:
                written = (k, record_id)
    await calendar.recompute(session, org_id, [member_id], day, day, now, groups={member_id: group.id})
    if written is not None and written[1] is not None:
        await hooks.emit_check_ins(uow, [hooks.CheckedIn(
            org_id=org_id, record_id=written[1], member_id=member_id, group_id=group.id, day=day, kind=written[0],
            checked_at=at, source="device", place_id=None, field=False, device_id=device_id,
        )])
    return True


# Every column that describes a punch (moved together when a punch becomes the day's check-out).
_EVIDENCE = (
    "checked_at", "source", "group_id", "shift_id", "lat", "lng", "accuracy_m", "ssid", "bssid", "place_id",
    "device_id", "client_device", "client_time", "field", "note",
)


# --- reminders (off by default; a group turns them on) ----------------------------------------

REMINDER_LOOKAHEAD_DAYS = 14


async def plan_reminders(uow: UnitOfWork, org_id: int, group_id: int, from_day: date, *, now: datetime | None = None) -> date | None:
    """Enqueues the check-in and check-out reminders of the group's next workday from
    `from_day` whose reminder time is still ahead, keyed per group, day and kind (planning
    twice is harmless). Scheduled groups (排班) get none: their shifts differ per member."""
    now = now or utc_now()
    group = await GroupRepository(uow.session, org_id).get(group_id)
    if group is None or not group.reminders or group.kind == "scheduled":
        return None
    end = from_day + timedelta(days=REMINDER_LOOKAHEAD_DAYS)
    rules = await calendar.load_rules(uow.session, org_id, from_day, end, member_ids=[], group_ids={group.id})
    day = from_day
    while day <= end:
        inst = rules.instance_on(group, 0, day)
        if inst is not None:
            remind_in = inst.start - timedelta(minutes=group.remind_before_minutes)
            if inst.end > now:
                for kind, run_at in (("in", remind_in), ("out", inst.end)):
                    if run_at > now:
                        uow.enqueue(
                            "attendance.remind",
                            {"org_id": org_id, "group_id": group.id, "day": day.isoformat(), "kind": kind},
                            run_at=run_at,
                            org_id=org_id,
                            dedupe_key=f"attendance:{org_id}:remind:{group.id}:{day.isoformat()}:{kind}",
                        )
                return day
        day += timedelta(days=1)
    return None


async def do_remind(uow: UnitOfWork, org_id: int, group_id: int, day: date, kind: str, *, now: datetime | None = None) -> list[int]:
    """Reminds the group's members who have not checked in (or out) yet; after the check-out
    reminder, plans the next workday. Returns the members reminded."""
    now = now or utc_now()
    group = await GroupRepository(uow.session, org_id).get(group_id)
    if group is None or not group.reminders:
        return []
    members = sorted(m for m, g in (await calendar.resolve_groups(uow.session, org_id, None)).items() if g == group_id)
    rules = await calendar.load_rules(uow.session, org_id, day, day, member_ids=members, group_ids={group.id})
    inst = rules.instance_on(group, 0, day)
    punched: dict[int, set[str]] = {}
    for member_id, _, k, _, _ in await RecordRepository(uow.session, org_id).punches(members, day, day):
        punched.setdefault(member_id, set()).add(k)
    if kind == "in":
        due = [m for m in members if "in" not in punched.get(m, set())]
    else:
        due = [m for m in members if "in" in punched.get(m, set()) and "out" not in punched.get(m, set())]
    leaves = {leave.member_id for leave in await LeaveRepository(uow.session, org_id).overlapping(members, now, now + timedelta(minutes=1))}
    due = [m for m in due if m not in leaves]
    if inst is not None and due:
        accounts = [c.account_id for c in (await member_contacts(uow.session, org_id, due)).values() if c.account_id and c.active]
        if accounts:
            event = EventRemind(day=day, kind=kind, at=inst.start if kind == "in" else inst.end)  # type: ignore[arg-type]
            uow.publish(event.to_event(org_id, accounts))
    if kind == "out":
        await plan_reminders(uow, org_id, group_id, day + timedelta(days=1), now=now)
    return due
