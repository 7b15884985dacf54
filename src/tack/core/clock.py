"""Timezone-aware time: the only way the rest of Tack asks what time it is."""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes even for timezone columns; they were stored as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _in_utc(value: datetime) -> datetime:
    # 9999-12-31T23:00-10:00 parses but has no UTC instant: refuse it as bad input (422),
    # instead of overflowing later inside a query.
    try:
        return as_utc(value)
    except OverflowError:
        raise ValueError("date and time out of range") from None


UtcDateTime = Annotated[datetime, AfterValidator(_in_utc)]
"""A datetime from untrusted input, converted to UTC (naive values are read as UTC)."""
