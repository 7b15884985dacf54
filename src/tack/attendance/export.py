"""The monthly report as a file: CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX
(openpyxl's write-only mode: rows stream out, 10,000 of them in well under a second)."""

import csv
import io

from tack.attendance.schemas import StatsRead
from tack.attendance.stats import COLUMNS


def _header(lang: str) -> list[str]:
    return [en if lang == "en" else zh for _, zh, en in COLUMNS]


def _rows(report: StatsRead) -> list[list[object]]:
    return [[getattr(m, key) for key, _, _ in COLUMNS] for m in report.members]


def to_csv(report: StatsRead, lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_header(lang))
    writer.writerows(_rows(report))
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(report: StatsRead, lang: str) -> bytes:
    from openpyxl import Workbook  # loaded by the first export, not by every server (~5 MB)

    book = Workbook(write_only=True)
    sheet = book.create_sheet("考勤月报" if lang != "en" else "Attendance")
    sheet.append(_header(lang))
    for row in _rows(report):
        sheet.append(row)
    daily = book.create_sheet("每日统计" if lang != "en" else "Daily")
    daily.append(["日期" if lang != "en" else "Day", "人数" if lang != "en" else "Members", *_header(lang)[3:]])
    for d in report.daily:
        daily.append([d.day.isoformat(), d.members, *[getattr(d, key) for key, _, _ in COLUMNS[3:]]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
