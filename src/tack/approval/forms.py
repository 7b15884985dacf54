"""Form logic without a database: checking a design, cleaning submitted values, and the
numbers conditions compare. Ids that need the database (members, departments, files) are
collected in `Refs` for the action to check."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from tack.approval.errors import InvalidForm, InvalidTemplate
from tack.approval.schemas import MAX_ID, ColumnDef, FieldDef

TEXT_MAX = {"text": 200, "long_text": 5000}
MAX_ITEMS = 100
MONEY_MAX = Decimal("100000000")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_INVOICE_PART = re.compile(r"^[0-9A-Za-z]{1,32}$")
HALVES = ("am", "pm")


@dataclass(slots=True)
class Refs:
    member_ids: set[int] = field(default_factory=set)
    department_ids: set[int] = field(default_factory=set)
    file_ids: set[int] = field(default_factory=set)
    image_ids: set[int] = field(default_factory=set)
    invoices: list[tuple[str, str]] = field(default_factory=list)


def check_design(fields: list[FieldDef]) -> None:
    """A form design: unique keys, options for selects, columns for tables, sane bounds."""
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    for f in fields:
        if f.key in seen:
            errors.append({"field": f.key, "error": "duplicate_key"})
        seen.add(f.key)
        if f.kind in ("select", "multiselect") and (not f.options or len(set(f.options)) != len(f.options)):
            errors.append({"field": f.key, "error": "options_required"})
        if f.kind == "table":
            keys = [c.key for c in f.columns]
            if not keys or len(set(keys)) != len(keys):
                errors.append({"field": f.key, "error": "columns_required"})
        if f.min is not None and f.max is not None and f.min > f.max:
            errors.append({"field": f.key, "error": "min_above_max"})
    if errors:
        raise InvalidTemplate(errors=errors)


def _money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("not_money")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError("not_money") from exc
    if not amount.is_finite() or amount < 0 or amount > MONEY_MAX or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("not_money")
    return amount.quantize(Decimal("0.01"))


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("not_a_number")
    try:
        number = float(value)  # an integer past float's range (10**400 parses as JSON) overflows
    except OverflowError as exc:
        raise ValueError("not_a_number") from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("not_a_number")
    return number


def _date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("not_a_date")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("not_a_date") from exc


def _bounded(f: FieldDef, number: float) -> None:
    if (f.min is not None and number < f.min) or (f.max is not None and number > f.max):
        raise ValueError("out_of_range")


def _ids(value: Any, limit: int) -> list[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_ID for v in value):
        raise ValueError("not_ids")
    if len(value) > limit or len(set(value)) != len(value):
        raise ValueError("too_many")
    return list(value)


def range_half_days(value: dict[str, Any]) -> int:
    """Length of a cleaned date range in half days: two a calendar day, one less when it
    starts in the afternoon, one less when it ends at noon (weekends count: the attendance
    calendar is not consulted)."""
    start, end = date.fromisoformat(value["start"]), date.fromisoformat(value["end"])
    halves = ((end - start).days + 1) * 2
    if value.get("start_half") == "pm":
        halves -= 1
    if value.get("end_half") == "am":
        halves -= 1
    return halves


def _daterange(f: FieldDef, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) - {"start", "end", "start_half", "end_half"}:
        raise ValueError("not_a_range")
    start, end = _date(value.get("start")), _date(value.get("end"))
    out: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat()}
    if f.half_day:
        sh, eh = value.get("start_half", "am"), value.get("end_half", "pm")
        if sh not in HALVES or eh not in HALVES:
            raise ValueError("not_a_half")
        out |= {"start_half": sh, "end_half": eh}
    if end < start or (end == start and out.get("start_half") == "pm" and out.get("end_half") == "am"):
        raise ValueError("end_before_start")
    if (end - start).days > 366:
        raise ValueError("out_of_range")
    out["days"] = range_half_days(out) / 2
    return out


def _simple(kind: str, f: FieldDef | ColumnDef, value: Any) -> Any:
    if kind in ("text", "long_text"):
        if not isinstance(value, str):
            raise ValueError("not_text")
        limit = (f.max_length if isinstance(f, FieldDef) else None) or TEXT_MAX.get(kind, 200)
        if len(value) > limit:
            raise ValueError("too_long")
        return value.strip()
    if kind == "number":
        number = _number(value)
        if isinstance(f, FieldDef):
            _bounded(f, number)
        return value
    if kind == "money":
        amount = _money(value)
        if isinstance(f, FieldDef):
            _bounded(f, float(amount))
        return str(amount)
    if kind == "date":
        return _date(value).isoformat()
    raise ValueError("unknown_kind")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _table(f: FieldDef, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > (f.max_count or MAX_ITEMS):
        raise ValueError("not_rows")
    rows = []
    for row in value:
        if not isinstance(row, dict) or set(row) - {c.key for c in f.columns}:
            raise ValueError("bad_row")
        cleaned: dict[str, Any] = {}
        for c in f.columns:
            cell = row.get(c.key)
            if _empty(cell):
                if c.required:
                    raise ValueError("cell_required")
                continue
            cleaned[c.key] = _simple(c.kind, c, cell)
        rows.append(cleaned)
    return rows


def _invoices(f: FieldDef, value: Any, refs: Refs) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > (f.max_count or MAX_ITEMS):
        raise ValueError("not_invoices")
    out = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"code", "number", "date", "amount"}:
            raise ValueError("bad_invoice")
        code, number = item.get("code"), item.get("number")
        if not isinstance(code, str) or not isinstance(number, str) or not _INVOICE_PART.match(code) or not _INVOICE_PART.match(number):
            raise ValueError("bad_invoice")
        key = (code.upper(), number.upper())
        if key in refs.invoices:
            raise ValueError("duplicate_invoice")
        refs.invoices.append(key)
        out.append({"code": key[0], "number": key[1], "date": _date(item.get("date")).isoformat(), "amount": str(_money(item.get("amount")))})
    return out


def _clean_one(f: FieldDef, value: Any, refs: Refs) -> Any:
    kind = f.kind
    if kind in ("text", "long_text", "number", "money", "date"):
        return _simple(kind, f, value)
    if kind == "time":
        if not isinstance(value, str) or not _TIME.match(value):
            raise ValueError("not_a_time")
        return value
    if kind == "daterange":
        return _daterange(f, value)
    if kind == "select":
        if value not in f.options:
            raise ValueError("not_an_option")
        return value
    if kind == "multiselect":
        if not isinstance(value, list) or any(v not in f.options for v in value) or len(set(value)) != len(value):
            raise ValueError("not_an_option")
        return list(value)
    if kind == "member":
        ids = _ids(value, f.max_count or 20)
        refs.member_ids |= set(ids)
        return ids
    if kind == "department":
        ids = _ids(value, f.max_count or 20)
        refs.department_ids |= set(ids)
        return ids
    if kind in ("attachment", "image"):
        ids = _ids(value, f.max_count or 9)
        refs.file_ids |= set(ids)
        if kind == "image":
            refs.image_ids |= set(ids)
        return ids
    if kind == "table":
        return _table(f, value)
    if kind == "invoice":
        return _invoices(f, value, refs)
    raise ValueError("unknown_kind")


def clean_values(fields: list[FieldDef], values: dict[str, Any]) -> tuple[dict[str, Any], Refs]:
    """Values checked against the form: unknown keys, missing required ones, wrong types and
    out-of-range values are all reported at once (422 approval_invalid_form, `errors`)."""
    errors: list[dict[str, str]] = []
    known = {f.key for f in fields}
    for key in sorted(set(values) - known):
        errors.append({"field": key, "error": "unknown_field"})
    refs = Refs()
    out: dict[str, Any] = {}
    for f in fields:
        value = values.get(f.key)
        if _empty(value):
            if f.required:
                errors.append({"field": f.key, "error": "required"})
            continue
        try:
            out[f.key] = _clean_one(f, value, refs)
        except ValueError as exc:
            errors.append({"field": f.key, "error": str(exc)})
    if errors:
        raise InvalidForm(errors=errors)
    return out, refs


def table_total(f: FieldDef, rows: list[dict[str, Any]]) -> Decimal:
    money = [c.key for c in f.columns if c.kind == "money"]
    return sum((Decimal(r[k]) for r in rows for k in money if k in r), Decimal("0"))


def comparable(f: FieldDef, value: Any) -> float | str | list[str] | None:
    """What a condition compares for a cleaned value (None when the field was left empty)."""
    if value is None:
        return None
    if f.kind in ("number",):
        return float(value)
    if f.kind == "money":
        return float(Decimal(value))
    if f.kind == "daterange":
        return float(value["days"])
    if f.kind == "table":
        return float(table_total(f, value))
    if f.kind == "invoice":
        return float(sum((Decimal(i["amount"]) for i in value), Decimal("0")))
    if f.kind in ("select", "text"):
        return str(value)
    if f.kind == "multiselect":
        return list(value)
    return None


NUMERIC_KINDS = ("number", "money", "daterange", "table", "invoice")
CONDITION_KINDS = (*NUMERIC_KINDS, "select", "multiselect", "text")
