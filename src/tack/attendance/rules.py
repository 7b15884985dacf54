"""The attendance rules as plain functions: which day a punch belongs to, and a day's result.

Nothing here touches the database or the clock; actions and queries feed it rows and `now`.
All wall-clock times are read in the organization's time zone with zoneinfo, then compared
as UTC instants, so a shift keeps its real length across a DST change and across midnight.
"""

import math
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A punch counts for a shift from 4 h before it starts until 6 h after it ends (DingTalk's
# defaults are of that order); outside every window it is a punch on a day without a shift.
OPEN_BEFORE = timedelta(hours=4)
CLOSE_AFTER = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class ShiftRule:
    id: int
    kind: str  # fixed | flexible
    start_minute: int  # minutes after local midnight (flexible: core hours start)
    end_minute: int
    overnight: bool  # the end is on the next day
    late_grace_minutes: int = 0
    early_grace_minutes: int = 0
    serious_late_minutes: int = 0  # 0: no "serious late" category
    required_minutes: int = 0  # flexible: hours to work between check-in and check-out


@dataclass(frozen=True, slots=True)
class ShiftInstance:
    """One shift on one attendance day, as UTC instants."""

    day: date
    shift: ShiftRule
    start: datetime
    end: datetime

    @property
    def opens(self) -> datetime:
        return self.start - OPEN_BEFORE

    @property
    def closes(self) -> datetime:
        return self.end + CLOSE_AFTER


def local_instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The wall-clock time `minute` on `day` in `tz`, normalised through UTC: a time that does
    not exist (the hour skipped in spring) lands just after the gap, an ambiguous one on its
    first occurrence."""
    naive = datetime.combine(day, time(minute // 60, minute % 60))
    return naive.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))


def instance(day: date, shift: ShiftRule, tz: ZoneInfo) -> ShiftInstance:
    start = local_instant(day, shift.start_minute, tz)
    end_day = day + timedelta(days=1) if shift.overnight else day
    return ShiftInstance(day, shift, start, local_instant(end_day, shift.end_minute, tz))


def shift_span_minutes(start_minute: int, end_minute: int, overnight: bool) -> int:
    return end_minute - start_minute + (24 * 60 if overnight else 0)


def pick_instance(at: datetime, candidates: list[ShiftInstance]) -> ShiftInstance | None:
    """The shift a punch at `at` belongs to: among the shifts whose window holds it, the one
    nearest to it (inside the shift counts as distance 0)."""
    best: tuple[float, ShiftInstance] | None = None
    for inst in candidates:
        if not (inst.opens <= at < inst.closes):
            continue
        if at < inst.start:
            distance = (inst.start - at).total_seconds()
        elif at > inst.end:
            distance = (at - inst.end).total_seconds()
        else:
            distance = 0.0
        if best is None or distance < best[0]:
            best = (distance, inst)
    return best[1] if best else None


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine on a 6,371 km sphere: ample for 100 m fences)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(a)))


def normalise_bssid(value: str) -> str:
    return value.strip().lower().replace("-", ":")


@dataclass(frozen=True, slots=True)
class Punch:
    at: datetime
    field: bool = False


@dataclass(slots=True)
class DayResult:
    status: str  # the headline: rest | leave | pending | absent | missing_in | missing_out | serious_late | late | early | field | normal
    rest_day: bool = False
    on_leave: bool = False
    absent: bool = False
    late_minutes: int = 0
    serious_late: bool = False
    early_minutes: int = 0
    missing_in: bool = False
    missing_out: bool = False
    field: bool = False
    worked_minutes: int = 0
    flags: list[str] = dataclass_field(default_factory=list)


def _to_minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _minutes(delta: timedelta) -> int:
    """Whole minutes, seconds dropped (09:12:40 is 12 minutes late, as clocks show it)."""
    return max(0, int(delta.total_seconds() // 60))


def _leave_trim(start: datetime, end: datetime, leaves: list[tuple[datetime, datetime]]) -> tuple[datetime, datetime, bool]:
    """The part of [start, end] not covered by leave, and whether leave covers all of it.
    A leave covering the start moves the expected arrival; one covering the end moves the
    expected departure (a leave in the middle changes neither)."""
    changed = True
    while changed:
        changed = False
        for ls, le in leaves:
            if ls <= start < le:
                start, changed = le, True
            if ls < end <= le:
                end, changed = ls, True
            if start >= end:
                return start, end, True
    return start, end, False


def compute_day(
    inst: ShiftInstance | None,
    punch_in: Punch | None,
    punch_out: Punch | None,
    leaves: list[tuple[datetime, datetime]],
    now: datetime,
) -> DayResult:
    """One member's result for one attendance day. `inst` is None on a rest day.

    Decisions (DingTalk's usual ones):
    - late minutes count from the shift start, but only once the grace is exceeded;
      "serious late" when they exceed the serious threshold;
    - early leave mirrors it with the early grace;
    - flexible shifts: late after the core start (plus grace); early when leaving before the
      core end or before the required hours are worked;
    - no punch at all once the shift has ended: absent; one punch missing once the punch
      window has closed: missing in / missing out; before that the day is pending;
    - leave covering the whole shift: on leave; partial leave moves the expected times.
    """
    # Minute precision, as a clock shows it: 09:05:59 is 09:05, 17:40:30 is 17:40.
    punch_in = Punch(_to_minute(punch_in.at), punch_in.field) if punch_in else None
    punch_out = Punch(_to_minute(punch_out.at), punch_out.field) if punch_out else None
    if inst is None:
        r = DayResult("rest", rest_day=True)
        r.field = bool((punch_in and punch_in.field) or (punch_out and punch_out.field))
        if punch_in and punch_out:
            r.worked_minutes = _minutes(punch_out.at - punch_in.at)
        return r
    shift = inst.shift
    start, end, all_leave = _leave_trim(inst.start, inst.end, leaves) if leaves else (inst.start, inst.end, False)
    r = DayResult("normal")
    if all_leave:
        r.status, r.on_leave = "leave", True
        return r
    r.on_leave = start != inst.start or end != inst.end
    r.field = bool((punch_in and punch_in.field) or (punch_out and punch_out.field))
    if punch_in is None and punch_out is None:
        r.status = "absent" if now >= end else "pending"
        r.absent = now >= end
        return r
    if punch_in is not None:
        if punch_in.at > start + timedelta(minutes=shift.late_grace_minutes):
            r.late_minutes = max(1, _minutes(punch_in.at - start))
            r.serious_late = bool(shift.serious_late_minutes) and r.late_minutes > shift.serious_late_minutes
    elif punch_out is not None or now >= inst.closes:
        r.missing_in = True
    if punch_out is not None:
        if punch_out.at < end - timedelta(minutes=shift.early_grace_minutes):
            r.early_minutes = max(1, _minutes(end - punch_out.at))
        if punch_in is not None:
            r.worked_minutes = _minutes(punch_out.at - punch_in.at)
            if shift.kind == "flexible" and shift.required_minutes and r.worked_minutes < shift.required_minutes:
                r.early_minutes = max(r.early_minutes, shift.required_minutes - r.worked_minutes)
    elif now >= inst.closes:
        r.missing_out = True
    for name, on in (
        ("missing_in", r.missing_in),
        ("missing_out", r.missing_out),
        ("serious_late", r.serious_late),
        ("late", r.late_minutes > 0),
        ("early", r.early_minutes > 0),
        ("field", r.field),
    ):
        if on:
            r.flags.append(name)
    if r.flags:
        r.status = r.flags[0]
    elif punch_out is None:
        r.status = "pending" if punch_in is None else "in"
    return r
