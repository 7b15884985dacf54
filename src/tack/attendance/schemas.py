"""Pydantic shapes of attendance: rules in, check-ins in, records, results, boards, reports out.

Ranges that carry a business meaning (coordinates, radius, clock skew, shift times) are checked
in actions with their own error codes, so the shapes here only bound sizes."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ShiftKind = Literal["fixed", "flexible"]
GroupKind = Literal["fixed", "flexible", "scheduled"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
HHMM = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]
MAX_ID = 2**53
# The attendance calendar's span. Days are shifted by a day or two and turned into instants in
# the org's time zone; at the ends of Python's date range that arithmetic overflows, so input
# outside this span is refused (422) instead.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2199, 12, 31)
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- shifts ---------------------------------------------------------------------------------


class ShiftCreate(Strict):
    name: Name
    kind: ShiftKind = "fixed"
    start: HHMM  # "09:00"; flexible: core hours start
    end: HHMM
    overnight: bool = False  # the end is on the next day (night shift)
    late_grace_minutes: Minutes = 0
    early_grace_minutes: Minutes = 0
    serious_late_minutes: Minutes = 0
    required_minutes: Minutes = 0


class ShiftUpdate(Strict):
    name: Name | None = None
    start: HHMM | None = None
    end: HHMM | None = None
    overnight: bool | None = None
    late_grace_minutes: Minutes | None = None
    early_grace_minutes: Minutes | None = None
    serious_late_minutes: Minutes | None = None
    required_minutes: Minutes | None = None


class ShiftRead(BaseModel):
    id: int
    name: str
    kind: ShiftKind
    start: str
    end: str
    overnight: bool
    late_grace_minutes: int
    early_grace_minutes: int
    serious_late_minutes: int
    required_minutes: int


class ShiftList(BaseModel):
    items: list[ShiftRead]


# --- groups ---------------------------------------------------------------------------------


class GroupCreate(Strict):
    name: Name
    kind: GroupKind = "fixed"
    shift_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    rest_weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=lambda: [5, 6], max_length=7)
    use_holidays: bool = True
    allow_field: bool = False
    require_binding: bool = False
    reminders: bool = False
    remind_before_minutes: Annotated[int, Field(ge=1, le=120)] = 10


class GroupUpdate(Strict):
    name: Name | None = None
    shift_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    rest_weekdays: list[Annotated[int, Field(ge=0, le=6)]] | None = Field(default=None, max_length=7)
    use_holidays: bool | None = None
    allow_field: bool | None = None
    require_binding: bool | None = None
    reminders: bool | None = None
    remind_before_minutes: Annotated[int, Field(ge=1, le=120)] | None = None


class GroupAssign(Strict):
    """Replaces who the group covers: members by name and whole departments."""

    member_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=20000)
    department_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=2000)


class GroupRead(BaseModel):
    id: int
    name: str
    kind: GroupKind
    shift_id: int | None
    rest_weekdays: list[int]
    use_holidays: bool
    allow_field: bool
    require_binding: bool
    reminders: bool
    remind_before_minutes: int
    member_ids: list[int] = Field(default_factory=list)
    department_ids: list[int] = Field(default_factory=list)


class GroupList(BaseModel):
    items: list[GroupRead]


# --- places ---------------------------------------------------------------------------------


class PlaceCreate(Strict):
    kind: Literal["geo", "wifi"]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    lat: float | None = None
    lng: float | None = None
    radius_m: int | None = None
    ssid: Annotated[str, StringConstraints(max_length=64)] | None = None
    bssid: Annotated[str, StringConstraints(max_length=17)] | None = None


class PlaceRead(BaseModel):
    id: int
    group_id: int
    kind: Literal["geo", "wifi"]
    name: str
    lat: float | None
    lng: float | None
    radius_m: int | None
    ssid: str | None
    bssid: str | None


class PlaceList(BaseModel):
    items: list[PlaceRead]


# --- calendar and schedules -----------------------------------------------------------------


class HolidayItem(Strict):
    day: Day
    kind: Literal["holiday", "workday"]  # workday: a make-up workday (调休)
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""


class HolidaySet(Strict):
    """Replaces the calendar of the days between `from_day` and `to_day` (inclusive)."""

    from_day: Day
    to_day: Day
    items: list[HolidayItem] = Field(default_factory=list, max_length=400)


class HolidayList(BaseModel):
    items: list[HolidayItem]


class ScheduleItem(Strict):
    member_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    day: Day
    shift_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None  # None: rest


class ScheduleSet(Strict):
    items: list[ScheduleItem] = Field(min_length=1, max_length=5000)


class ScheduleList(BaseModel):
    items: list[ScheduleItem]


# --- check-in -------------------------------------------------------------------------------


class CheckinCreate(Strict):
    kind: Literal["in", "out"] | None = None  # None: "in" unless already in, then "out"
    client_time: datetime
    lat: float | None = None
    lng: float | None = None
    accuracy_m: Annotated[float, Field(ge=0, le=100_000)] | None = None
    ssid: Annotated[str, StringConstraints(max_length=64)] | None = None
    bssid: Annotated[str, StringConstraints(max_length=17)] | None = None
    client_device: Annotated[str, StringConstraints(max_length=100)] | None = None
    field: bool = False  # 外勤: outside every place, allowed only with a note if the group allows it
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    replace: bool = False  # 更新打卡: a later check-out replaces the earlier one


class RecordRead(BaseModel):
    id: int
    member_id: int
    day: date
    kind: Literal["in", "out"]
    checked_at: datetime
    source: str
    group_id: int | None
    shift_id: int | None
    lat: float | None
    lng: float | None
    accuracy_m: float | None
    ssid: str | None
    bssid: str | None
    place_id: int | None
    place_name: str | None = None
    device_id: int | None
    field: bool
    note: str | None


class ResultRead(BaseModel):
    member_id: int
    day: date
    group_id: int | None
    shift_id: int | None
    status: str
    rest_day: bool
    on_leave: bool
    absent: bool
    late_minutes: int
    serious_late: bool
    early_minutes: int
    missing_in: bool
    missing_out: bool
    field: bool
    worked_minutes: int
    check_in_at: datetime | None
    check_out_at: datetime | None


class CheckinRead(BaseModel):
    record: RecordRead
    duplicate: bool  # True: this punch was already recorded; the first record is returned
    result: ResultRead | None


class TodayRead(BaseModel):
    """The check-in page: my group, today's shift and window, places, what I did, my result."""

    day: date
    timezone: str
    group: GroupRead | None
    shift: ShiftRead | None
    shift_start: datetime | None
    shift_end: datetime | None
    places: list[PlaceRead]
    records: list[RecordRead]
    result: ResultRead | None


class RecordList(BaseModel):
    items: list[RecordRead]


class ResultList(BaseModel):
    items: list[ResultRead]


# --- boards and reports ---------------------------------------------------------------------


class BoardMember(BaseModel):
    member_id: int
    name: str
    state: Literal["in", "late", "not_in", "leave", "rest", "field"]
    check_in_at: datetime | None
    late_minutes: int


class BoardRead(BaseModel):
    day: date
    counts: dict[str, int]
    members: list[BoardMember]


class Counters(BaseModel):
    """What a period adds up to, for a member, a department, a group or everyone."""

    workdays: int = 0  # days with a shift
    attended: int = 0  # of those, days with a check-in
    rest_days: int = 0
    late_count: int = 0
    late_minutes: int = 0
    serious_late_count: int = 0
    early_count: int = 0
    early_minutes: int = 0
    absent_days: int = 0
    missing_in: int = 0
    missing_out: int = 0
    field_count: int = 0
    leave_days: int = 0
    worked_minutes: int = 0


class MemberStat(Counters):
    member_id: int
    name: str
    department: str
    group: str


class GroupStat(Counters):
    id: int
    name: str
    members: int


class DailyStat(Counters):
    day: date
    members: int


class StatsRead(BaseModel):
    from_day: date
    to_day: date
    members: list[MemberStat]
    departments: list[GroupStat]
    groups: list[GroupStat]
    daily: list[DailyStat]
    totals: Counters


# --- leave and card corrections (the approvals hook) ----------------------------------------


class LeaveRead(BaseModel):
    id: int
    member_id: int
    start_at: datetime
    end_at: datetime
    kind: str
    ref: str
    cancelled: bool


# --- clock-in devices -----------------------------------------------------------------------


class DeviceCreate(Strict):
    name: Name
    serial: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    group_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class DeviceUpdate(Strict):
    name: Name | None = None
    active: bool | None = None
    group_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class DeviceRead(BaseModel):
    id: int
    name: str
    serial: str
    group_id: int | None
    active: bool
    last_seen_at: datetime | None
    secret: str | None = None  # only in the answer that created the device


class DeviceList(BaseModel):
    items: list[DeviceRead]


class DevicePunch(BaseModel):
    """One punch on the machine: who (member id or 工号), when, and optionally in/out (most
    machines do not know: the earliest punch of the day is the check-in, the latest the
    check-out)."""

    model_config = ConfigDict(extra="ignore")
    member_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    employee_no: Annotated[str, StringConstraints(max_length=64)] | None = None
    at: datetime
    kind: Literal["in", "out"] | None = None
    verify: Annotated[str, StringConstraints(max_length=16)] | None = None  # fingerprint | face | card | password


class DeviceBatch(BaseModel):
    model_config = ConfigDict(extra="ignore")
    records: list[DevicePunch] = Field(max_length=100_000)


class DeviceRejected(BaseModel):
    index: int
    code: str


class DeviceBatchRead(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[DeviceRejected]
