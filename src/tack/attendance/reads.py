"""ORM rows → Read schemas (shared by actions, which answer with what they wrote, and queries)."""

from tack.attendance.models import AttendanceDevice, AttendanceGroup, AttendancePlace, AttendanceRecord, AttendanceResult, AttendanceShift
from tack.attendance.schemas import DeviceRead, GroupRead, PlaceRead, RecordRead, ResultRead, ShiftRead


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def shift_read(s: AttendanceShift) -> ShiftRead:
    return ShiftRead(
        id=s.id, name=s.name, kind=s.kind, start=hhmm(s.start_minute), end=hhmm(s.end_minute),  # type: ignore[arg-type]
        overnight=s.overnight, late_grace_minutes=s.late_grace_minutes, early_grace_minutes=s.early_grace_minutes,
        serious_late_minutes=s.serious_late_minutes, required_minutes=s.required_minutes,
    )


def group_read(g: AttendanceGroup, member_ids: list[int], department_ids: list[int]) -> GroupRead:
    return GroupRead(
        id=g.id, name=g.name, kind=g.kind, shift_id=g.shift_id, rest_weekdays=list(g.rest_weekdays or []),  # type: ignore[arg-type]
        use_holidays=g.use_holidays, allow_field=g.allow_field, require_binding=g.require_binding,
        reminders=g.reminders, remind_before_minutes=g.remind_before_minutes,
        member_ids=member_ids, department_ids=department_ids,
    )


def place_read(p: AttendancePlace) -> PlaceRead:
    return PlaceRead(
        id=p.id, group_id=p.group_id, kind=p.kind, name=p.name, lat=p.lat, lng=p.lng,  # type: ignore[arg-type]
        radius_m=p.radius_m, ssid=p.ssid, bssid=p.bssid,
    )


def record_read(r: AttendanceRecord, place_name: str | None = None) -> RecordRead:
    return RecordRead(
        id=r.id, member_id=r.member_id, day=r.day, kind=r.kind, checked_at=r.checked_at, source=r.source,  # type: ignore[arg-type]
        group_id=r.group_id, shift_id=r.shift_id, lat=r.lat, lng=r.lng, accuracy_m=r.accuracy_m, ssid=r.ssid,
        bssid=r.bssid, place_id=r.place_id, place_name=place_name, device_id=r.device_id, field=r.field, note=r.note,
    )


def result_read(r: AttendanceResult) -> ResultRead:
    return ResultRead(
        member_id=r.member_id, day=r.day, group_id=r.group_id, shift_id=r.shift_id, status=r.status,
        rest_day=r.rest_day, on_leave=r.on_leave, absent=r.absent, late_minutes=r.late_minutes,
        serious_late=r.serious_late, early_minutes=r.early_minutes, missing_in=r.missing_in,
        missing_out=r.missing_out, field=r.field, worked_minutes=r.worked_minutes,
        check_in_at=r.check_in_at, check_out_at=r.check_out_at,
    )


def device_read(d: AttendanceDevice, *, with_secret: bool = False) -> DeviceRead:
    return DeviceRead(
        id=d.id, name=d.name, serial=d.serial, group_id=d.group_id, active=d.active, last_seen_at=d.last_seen_at,
        secret=d.secret if with_secret else None,
    )
