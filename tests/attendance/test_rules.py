"""The pure rules: shift instances in a time zone (DST, midnight), punch → day, day results."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tack.attendance.rules import Punch, ShiftRule, compute_day, distance_m, instance, pick_instance

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = ShiftRule(id=1, kind="fixed", start_minute=9 * 60, end_minute=18 * 60, overnight=False,
                late_grace_minutes=5, early_grace_minutes=0, serious_late_minutes=30)
NIGHT = ShiftRule(id=2, kind="fixed", start_minute=22 * 60, end_minute=6 * 60, overnight=True)
FLEX = ShiftRule(id=3, kind="flexible", start_minute=10 * 60, end_minute=16 * 60, overnight=False, required_minutes=8 * 60)


def t(day: date, hh: int, mm: int = 0, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz)


def test_night_shift_across_dst_has_its_real_length() -> None:
    # 2026-03-29: Berlin skips 02:00-03:00; 2026-10-25: 03:00 happens twice.
    spring = instance(date(2026, 3, 28), NIGHT, BERLIN)
    autumn = instance(date(2026, 10, 24), NIGHT, BERLIN)
    ordinary = instance(date(2026, 5, 2), NIGHT, BERLIN)
    assert (spring.end - spring.start, autumn.end - autumn.start, ordinary.end - ordinary.start) == (
        timedelta(hours=7), timedelta(hours=9), timedelta(hours=8),
    )
    assert spring.start == datetime(2026, 3, 28, 21, 0, tzinfo=UTC) and spring.end == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)


def test_day_shift_on_dst_day_starts_at_local_nine() -> None:
    inst = instance(date(2026, 3, 29), DAY, BERLIN)
    assert inst.start == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # CEST, UTC+2
    assert instance(date(2026, 3, 28), DAY, BERLIN).start == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # CET


def test_a_punch_after_midnight_belongs_to_the_night_shift_of_the_evening_before() -> None:
    d = date(2026, 12, 7)
    candidates = [instance(d - timedelta(days=1), NIGHT, SHANGHAI), instance(d, NIGHT, SHANGHAI), instance(d + timedelta(days=1), NIGHT, SHANGHAI)]
    assert pick_instance(t(d, 6, 5), candidates).day == d - timedelta(days=1)  # type: ignore[union-attr]
    assert pick_instance(t(d, 21, 50), candidates).day == d  # type: ignore[union-attr]
    assert pick_instance(t(d, 15, 0), candidates) is None  # between the windows


def test_late_grace_serious_and_early() -> None:
    d = date(2026, 12, 7)
    inst = instance(d, DAY, SHANGHAI)
    after = t(d, 23)
    on_time = compute_day(inst, Punch(t(d, 9, 5)), Punch(t(d, 18, 0)), [], after)
    assert (on_time.status, on_time.late_minutes, on_time.worked_minutes) == ("normal", 0, 535)
    late = compute_day(inst, Punch(t(d, 9, 6)), Punch(t(d, 18, 0)), [], after)
    assert (late.status, late.late_minutes, late.serious_late) == ("late", 6, False)
    serious = compute_day(inst, Punch(t(d, 9, 31)), Punch(t(d, 17, 0)), [], after)
    assert (serious.status, serious.late_minutes, serious.serious_late, serious.early_minutes) == ("serious_late", 31, True, 60)
    assert serious.flags == ["serious_late", "late", "early"]


def test_absent_missing_and_pending() -> None:
    d = date(2026, 12, 7)
    inst = instance(d, DAY, SHANGHAI)
    assert compute_day(inst, None, None, [], t(d, 10)).status == "pending"
    assert compute_day(inst, None, None, [], t(d, 18)).absent
    assert compute_day(inst, Punch(t(d, 9)), None, [], t(d, 20)).status == "in"  # window still open
    assert compute_day(inst, Punch(t(d, 9)), None, [], t(d + timedelta(days=1), 1)).status == "missing_out"
    assert compute_day(inst, None, Punch(t(d, 18)), [], t(d, 18, 1)).status == "missing_in"


def test_leave_whole_and_partial() -> None:
    d = date(2026, 12, 7)
    inst = instance(d, DAY, SHANGHAI)
    whole = compute_day(inst, None, None, [(t(d, 9), t(d, 18))], t(d, 23))
    assert (whole.status, whole.on_leave, whole.absent) == ("leave", True, False)
    # a morning off: arriving at 13:00 is on time
    morning = compute_day(inst, Punch(t(d, 13)), Punch(t(d, 18)), [(t(d, 9), t(d, 13))], t(d, 23))
    assert (morning.status, morning.late_minutes, morning.on_leave) == ("normal", 0, True)


def test_flexible_core_and_required_hours() -> None:
    d = date(2026, 12, 7)
    inst = instance(d, FLEX, SHANGHAI)
    good = compute_day(inst, Punch(t(d, 8)), Punch(t(d, 16, 30)), [], t(d, 23))
    assert (good.status, good.late_minutes, good.early_minutes) == ("normal", 0, 0)
    short = compute_day(inst, Punch(t(d, 9)), Punch(t(d, 16)), [], t(d, 23))
    assert (short.status, short.early_minutes) == ("early", 60)
    late = compute_day(inst, Punch(t(d, 10, 20)), Punch(t(d, 19)), [], t(d, 23))
    assert (late.status, late.late_minutes) == ("late", 20)


def test_distance() -> None:
    assert abs(distance_m(31.2304, 121.4737, 31.2304, 121.4737)) < 1e-6
    assert 1100 < distance_m(31.2304, 121.4737, 31.2404, 121.4737) < 1125  # 0.01° of latitude ≈ 1.11 km
