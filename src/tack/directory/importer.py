"""Member sheets (CSV or XLSX): reading uploads into plain rows, writing exports; knows files, not the directory."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime


from tack.core.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

# Header spellings people actually use, Chinese first; matched case-insensitively.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "phone": ("手机号", "手机", "phone", "mobile"),
    "email": ("邮箱", "email", "e-mail"),
    "job_title": ("职位", "job_title", "title"),
    "employee_no": ("工号", "employee_no", "jobnumber"),
    "departments": ("部门", "department", "departments"),
    "manager": ("直属主管", "主管", "manager"),
    "hire_date": ("入职日期", "hire_date", "hired"),
}
EXPORT_HEADERS = ["姓名", "手机号", "邮箱", "职位", "工号", "部门", "直属主管", "入职日期"]


@dataclass(slots=True)
class SheetRow:
    number: int  # 1-based row number as a spreadsheet shows it (the header is row 1)
    values: dict[str, str]


def _map_header(header: list[str]) -> dict[int, str]:
    lookup = {alias.lower(): field for field, aliases in COLUMNS.items() for alias in aliases}
    mapping: dict[int, str] = {}
    for index, title in enumerate(header):
        field = lookup.get(str(title or "").strip().lower())
        if field and field not in mapping.values():
            mapping[index] = field
    if "name" not in mapping.values():
        raise BadRequest("The first row must name the columns, including 姓名/name", code="import_bad_file")
    return mapping


# Control characters (NUL above all, which PostgreSQL refuses in text) never belong in a cell.
_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127])


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers typed into Excel become floats
    return str(value).translate(_CONTROL).strip()


def _rows(raw_rows: list[list[object]], max_rows: int) -> list[SheetRow]:
    if not raw_rows:
        raise BadRequest("The file is empty", code="import_bad_file")
    mapping = _map_header([_cell(v) for v in raw_rows[0]])
    out: list[SheetRow] = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        values = {field: _cell(raw[i]) if i < len(raw) else "" for i, field in mapping.items()}
        if not any(values.values()):
            continue
        out.append(SheetRow(number=number, values=values))
        if len(out) > max_rows:
            raise PayloadTooLarge(f"At most {max_rows} rows per import", code="import_too_large")
    return out


def _decode(data: bytes) -> str:
    # Excel in China saves CSV as GBK; everything else should be UTF-8 (with or without BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadRequest("The CSV file is neither UTF-8 nor GBK text", code="import_bad_file")


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"


def _is_blank(row: tuple[object, ...] | list[object]) -> bool:
    return all(v is None or str(v).strip() == "" for v in row)


def _read_xlsx(data: bytes, max_rows: int) -> list[list[object]]:
    """The first worksheet's rows; stops one row past the limit so that _rows can refuse it.

    Anything openpyxl or the XML and zip layers below it raise means a broken workbook.
    """
    from openpyxl import load_workbook  # loaded by the first XLSX, not by every server (~5 MB)

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise BadRequest("The workbook has no worksheet", code="import_bad_file")
            raw: list[list[object]] = []
            filled = 0
            for row in workbook.worksheets[0].iter_rows(values_only=True):
                raw.append(list(row))
                if not _is_blank(row):
                    filled += 1
                    if filled > max_rows + 1:  # the header plus one row too many
                        break
        finally:
            workbook.close()
    except BadRequest:
        raise
    except Exception as exc:  # noqa: BLE001 - a corrupt upload may fail anywhere inside openpyxl
        raise BadRequest("The file is not a valid XLSX workbook", code="import_bad_file") from exc
    return raw


def _read_csv(data: bytes) -> list[list[object]]:
    if b"\x00" in data[:4096]:
        raise UnsupportedMediaType("That is not a CSV text file", code="unsupported_media_type")
    text = _decode(data)
    try:
        return [list(r) for r in csv.reader(io.StringIO(text))]
    except csv.Error as exc:  # a field over the csv module's size limit, a stray NUL, ...
        raise BadRequest(f"The CSV file cannot be read: {exc}", code="import_bad_file") from exc


def read_sheet(filename: str, data: bytes, *, max_bytes: int, max_rows: int) -> list[SheetRow]:
    """Parses an upload; raises 4xx errors for files that cannot be a member sheet at all.

    The kind comes from the content (a zip is an XLSX workbook) and else from the name:
    .csv / .txt (or no name) is CSV text, anything else is refused.
    """
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Import files may be at most {_size(max_bytes)}", code="import_too_large")
    name = filename.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if name.endswith(".xlsx") or is_zip:
        if not is_zip:
            raise BadRequest("The file is not a valid XLSX workbook", code="import_bad_file")
        return _rows(_read_xlsx(data, max_rows), max_rows)
    if name.endswith(".csv") or name.endswith(".txt") or not name:
        return _rows(_read_csv(data), max_rows)
    raise UnsupportedMediaType("Upload a .csv or .xlsx file", code="unsupported_media_type")


def write_sheet(rows: list[list[str]], kind: str) -> tuple[bytes, str, str]:
    """An export as (content, media type, file name); the layout is the import's, so an
    export can be imported again."""
    if kind == "xlsx":
        from openpyxl import Workbook  # see _read_xlsx

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("通讯录")
        sheet.append(EXPORT_HEADERS)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "directory.xlsx"
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(EXPORT_HEADERS)
    writer.writerows(rows)
    # The BOM makes Excel open UTF-8 CSV correctly.
    return ("\ufeff" + text.getvalue()).encode(), "text/csv; charset=utf-8", "directory.csv"
