"""Statistics over stored results: per member, department, group and day, for any period
up to a month and a bit (the monthly report is this over one calendar month).

Decisions: a member counts in every department they belong to (so department figures may
add up to more than the total, as in DingTalk's department reports); the group is the one
the day's result was computed under; "attended" means a check-in on a day with a shift.
"""

from datetime import date
from typing import Any



# The counters in the order ResultRepository.tallies sums them (see its query for each rule:
# a rest day adds to rest_days and worked_minutes only; a workday to everything else).
COUNTERS = (
    "workdays", "attended", "rest_days", "late_count", "late_minutes", "serious_late_count", "early_count",
    "early_minutes", "absent_days", "missing_in", "missing_out", "field_count", "leave_days", "worked_minutes",
)


def zero() -> list[int]:
    return [0] * len(COUNTERS)


def add_into(total: list[int], values: Any) -> None:
    for i, v in enumerate(values):
        total[i] += int(v or 0)


def as_fields(values: list[int]) -> dict[str, int]:
    return dict(zip(COUNTERS, values, strict=True))


def month_range(month: str) -> tuple[date, date]:
    """'2026-11' → (2026-11-01, 2026-11-30); ValueError when malformed."""
    year, mon = (int(x) for x in month.split("-"))
    start = date(year, mon, 1)
    end = date(year + (mon == 12), mon % 12 + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


COLUMNS = [
    ("name", "姓名", "Name"),
    ("department", "部门", "Department"),
    ("group", "考勤组", "Group"),
    ("workdays", "应出勤天数", "Workdays"),
    ("attended", "出勤天数", "Attended"),
    ("rest_days", "休息天数", "Rest days"),
    ("late_count", "迟到次数", "Late (times)"),
    ("late_minutes", "迟到时长(分钟)", "Late (minutes)"),
    ("serious_late_count", "严重迟到次数", "Seriously late"),
    ("early_count", "早退次数", "Early leave (times)"),
    ("early_minutes", "早退时长(分钟)", "Early leave (minutes)"),
    ("absent_days", "旷工天数", "Absent days"),
    ("missing_in", "上班缺卡次数", "Missing check-in"),
    ("missing_out", "下班缺卡次数", "Missing check-out"),
    ("field_count", "外勤次数", "Field check-ins"),
    ("leave_days", "请假天数", "Leave days"),
    ("worked_minutes", "工作时长(分钟)", "Worked (minutes)"),
]
