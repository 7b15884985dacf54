"""Attendance tables: rules (shifts, groups, assignments, places, holidays, schedules), the
check-in records, leaves from approvals, clock-in devices, and the stored daily results."""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tack.storage.base import Base, BigId, CreatedMixin, IdMixin, OrgOwnedMixin


class AttendanceShift(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """A shift (班次). Times are minutes after local midnight in the org's time zone; for a
    flexible shift start/end are the core hours."""

    __tablename__ = "attendance_shift"

    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # fixed | flexible
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    overnight: Mapped[bool] = mapped_column(Boolean, default=False)
    late_grace_minutes: Mapped[int] = mapped_column(Integer, default=0)
    early_grace_minutes: Mapped[int] = mapped_column(Integer, default=0)
    serious_late_minutes: Mapped[int] = mapped_column(Integer, default=0)
    required_minutes: Mapped[int] = mapped_column(Integer, default=0)


class AttendanceGroup(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """An attendance group (考勤组): who, which shift, where, and the anti-cheating options."""

    __tablename__ = "attendance_group"

    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # fixed | flexible | scheduled
    shift_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("attendance_shift.id", ondelete="RESTRICT"))
    rest_weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 = Monday
    use_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_field: Mapped[bool] = mapped_column(Boolean, default=False)
    require_binding: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders: Mapped[bool] = mapped_column(Boolean, default=False)
    remind_before_minutes: Mapped[int] = mapped_column(Integer, default=10)


class AttendanceGroupMember(OrgOwnedMixin, Base):
    """A member assigned by name; wins over a department assignment. One group per member."""

    __tablename__ = "attendance_group_member"

    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(BigId, ForeignKey("attendance_group.id", ondelete="CASCADE"), index=True)


class AttendanceGroupDepartment(OrgOwnedMixin, Base):
    """A department (and, through the tree, its sub-departments) assigned to a group."""

    __tablename__ = "attendance_group_department"

    department_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("directory_department.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(BigId, ForeignKey("attendance_group.id", ondelete="CASCADE"), index=True)


class AttendancePlace(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """Where a check-in counts: a geofence (lat/lng + radius) or a Wi-Fi network (SSID + BSSID)."""

    __tablename__ = "attendance_place"

    group_id: Mapped[int] = mapped_column(BigId, ForeignKey("attendance_group.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # geo | wifi
    name: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[int | None] = mapped_column(Integer)
    ssid: Mapped[str | None] = mapped_column(String(64))
    bssid: Mapped[str | None] = mapped_column(String(17))


class AttendanceHoliday(IdMixin, OrgOwnedMixin, Base):
    """The org's calendar: a holiday (rest) or a make-up workday (调休, work on a weekend)."""

    __tablename__ = "attendance_holiday"
    __table_args__ = (UniqueConstraint("org_id", "day"),)

    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))  # holiday | workday
    name: Mapped[str] = mapped_column(String(64), default="")


class AttendanceSchedule(OrgOwnedMixin, Base):
    """排班: a member's shift on one day of a scheduled group; no shift = rest."""

    __tablename__ = "attendance_schedule"

    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    shift_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("attendance_shift.id", ondelete="RESTRICT"))


class AttendanceRecord(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """One check-in or check-out with its evidence. Unique per member, attendance day and
    kind: exactly one record per member and shift, whatever the retries and races."""

    __tablename__ = "attendance_record"
    __table_args__ = (
        UniqueConstraint("org_id", "member_id", "day", "kind"),
        Index("ix_attendance_record_day", "org_id", "day"),
    )

    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(4))  # in | out
    checked_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(12))  # app | device | correction
    group_id: Mapped[int | None] = mapped_column(BigId)
    shift_id: Mapped[int | None] = mapped_column(BigId)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    ssid: Mapped[str | None] = mapped_column(String(64))
    bssid: Mapped[str | None] = mapped_column(String(17))
    place_id: Mapped[int | None] = mapped_column(BigId)
    device_id: Mapped[int | None] = mapped_column(BigId)  # a clock-in machine
    client_device: Mapped[str | None] = mapped_column(String(100))  # the phone / browser id
    client_time: Mapped[datetime | None]
    field: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)


class AttendanceLeave(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """Leave that approvals reported; `ref` (the approval's id) makes the hook idempotent."""

    __tablename__ = "attendance_leave"
    __table_args__ = (UniqueConstraint("org_id", "ref"), Index("ix_attendance_leave_member", "org_id", "member_id"))

    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(100))
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


class AttendanceResult(OrgOwnedMixin, Base):
    """A member's computed day. Always rebuilt from records, rules and leaves (never edited),
    so recomputing is idempotent."""

    __tablename__ = "attendance_result"
    __table_args__ = (Index("ix_attendance_result_day", "org_id", "day"),)

    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    group_id: Mapped[int | None] = mapped_column(BigId)
    shift_id: Mapped[int | None] = mapped_column(BigId)
    status: Mapped[str] = mapped_column(String(16))
    rest_day: Mapped[bool] = mapped_column(Boolean, default=False)
    on_leave: Mapped[bool] = mapped_column(Boolean, default=False)
    absent: Mapped[bool] = mapped_column(Boolean, default=False)
    late_minutes: Mapped[int] = mapped_column(Integer, default=0)
    serious_late: Mapped[bool] = mapped_column(Boolean, default=False)
    early_minutes: Mapped[int] = mapped_column(Integer, default=0)
    missing_in: Mapped[bool] = mapped_column(Boolean, default=False)
    missing_out: Mapped[bool] = mapped_column(Boolean, default=False)
    field: Mapped[bool] = mapped_column(Boolean, default=False)
    worked_minutes: Mapped[int] = mapped_column(Integer, default=0)
    check_in_at: Mapped[datetime | None]
    check_out_at: Mapped[datetime | None]
    computed_at: Mapped[datetime]


class AttendanceDevice(IdMixin, OrgOwnedMixin, CreatedMixin, Base):
    """A clock-in machine (考勤机). Its secret signs its requests (HMAC-SHA256); stored as
    given because verifying an HMAC needs it (it never leaves the server after creation)."""

    __tablename__ = "attendance_device"
    __table_args__ = (UniqueConstraint("serial"),)

    name: Mapped[str] = mapped_column(String(64))
    serial: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(String(64))
    group_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("attendance_group.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None]


class AttendanceBinding(OrgOwnedMixin, Base):
    """本机打卡: the one phone/browser (or clock-in machine user id) a member checks in from,
    when their group requires it. Bound on first use; an admin may reset it."""

    __tablename__ = "attendance_binding"

    member_id: Mapped[int] = mapped_column(BigId, ForeignKey("directory_member.id", ondelete="CASCADE"), primary_key=True)
    client_device: Mapped[str] = mapped_column(String(100))
    bound_at: Mapped[datetime]
