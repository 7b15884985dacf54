"""Attendance at DingTalk's paths (dingtalk-sdk's attendance.list / list_record), read through
attendance's own query (records_and_results) with the app's actor; scope attendance.read.

- POST /attendance/listRecord {"userIds" ≤ 50, "checkDateFrom", "checkDateTo"
  ("yyyy-MM-dd HH:mm:ss", at most 7 days apart)} → `recordresult`: every punch of those members
  whose check time falls in the window.
- POST /attendance/list {"workDateFrom", "workDateTo" (≤ 7 days), "userIdList" ≤ 50, "offset",
  "limit" ≤ 50} → `recordresult`: per member and work day an OnDuty and an OffDuty entry with
  DingTalk's timeResult (Normal / Early / Late / SeriousLate / Absenteeism / NotSigned) and
  locationResult (Normal / Outside / NotSigned), `hasMore`. Rest days and leave days with no
  punch have no entries (DingTalk lists what was expected of the member).

Times are the org's wall clock; `workDate` is the day's local midnight in ms.
"""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from tack.attendance import queries as attendance
from tack.attendance.schemas import RecordRead, ResultRead
from tack.directory.queries import org_timezone
from tack.openapi_compat import errors
from tack.openapi_compat.apps.scopes import ATTENDANCE_READ
from tack.openapi_compat.auth import OapiApp, require_scope
from tack.openapi_compat.contact import ids
from tack.openapi_compat.params import Params
from tack.openapi_compat.tokens import AppCaller
from tack.storage.deps import get_read_session

router = APIRouter(tags=["dingtalk"])
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]

MAX_USERS = 50
MAX_DAYS = 7
MAX_LIMIT = 50
SOURCES = {"app": "APP", "device": "ATM", "correction": "APPROVE"}


def _when(params: Params, name: str) -> datetime:
    text = params.text(name, required=True, max_length=30)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if not 2000 <= parsed.year <= 2199:  # attendance keeps days of 2000–2199 only
            raise params.invalid(name, "日期超出范围")
        return parsed
    raise params.invalid(name, "格式应为 yyyy-MM-dd HH:mm:ss")


def _users(params: Params, name: str) -> list[int]:
    values = params.str_list(name, max_items=MAX_USERS)
    if not values:
        raise params.missing(name)
    out = []
    for v in values:
        member = ids.member_id_of(v)
        if member is None:
            raise params.invalid(name, f"不合法的 userid {v}")
        out.append(member)
    return out


def _window(params: Params, start_name: str, end_name: str) -> tuple[datetime, datetime]:
    start, end = _when(params, start_name), _when(params, end_name)
    if end < start or end - start > timedelta(days=MAX_DAYS):
        raise params.invalid(end_name, f"起止时间最多相隔 {MAX_DAYS} 天且结束不早于开始")
    return start, end


def _ms(at: datetime | None) -> int | None:
    return int(at.timestamp() * 1000) if at else None


def _work_date(day: date, tz: ZoneInfo) -> int:
    return int(datetime.combine(day, time(0, 0), tz).timestamp() * 1000)


def _time_result(kind: str, result: ResultRead | None) -> str:
    if result is None:
        return "Normal"
    if kind == "in":
        if result.missing_in:
            return "Absenteeism" if result.absent else "NotSigned"
        if result.late_minutes > 0:
            return "SeriousLate" if result.serious_late else "Late"
        return "Normal"
    if result.missing_out:
        return "Absenteeism" if result.absent else "NotSigned"
    return "Early" if result.early_minutes > 0 else "Normal"


def _record(r: RecordRead, result: ResultRead | None, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": r.id, "recordId": r.id, "userId": ids.userid(r.member_id), "checkType": "OnDuty" if r.kind == "in" else "OffDuty",
        "timeResult": _time_result(r.kind, result), "locationResult": "Outside" if r.field else "Normal",
        "userCheckTime": _ms(r.checked_at), "workDate": _work_date(r.day, tz), "groupId": r.group_id,
        "planId": r.shift_id, "sourceType": SOURCES.get(r.source, "APP"), "isLegal": "Y",
        "locationMethod": "ATM" if r.source == "device" else ("WIFI" if r.ssid else "MAP"),
        "userLatitude": r.lat, "userLongitude": r.lng, "userAccuracy": r.accuracy_m, "userAddress": r.place_name or "",
        "deviceId": str(r.device_id or ""), "outsideRemark": r.note or "",
    }


async def _read(session: AsyncSession, caller: AppCaller, users: list[int], start: date, end: date) -> tuple[Any, Any, ZoneInfo]:
    records, results = await attendance.records_and_results(session, caller.actor, users, start, end, max_days=MAX_DAYS + 1)
    return records.items, results.items, ZoneInfo(await org_timezone(session, caller.org_id))


async def _params(request: Request, caller: AppCaller) -> Params:
    require_scope(caller, ATTENDANCE_READ, "oapi")
    return await Params.of(request, "oapi")


@router.post("/attendance/listRecord")
async def list_record(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    params = await _params(request, caller)
    users = _users(params, "userIds")
    start, end = _window(params, "checkDateFrom", "checkDateTo")
    tz = ZoneInfo(await org_timezone(session, caller.org_id))
    start_at, end_at = start.replace(tzinfo=tz), end.replace(tzinfo=tz)
    # A night shift's punch may belong to the day before: read one day more on each side.
    records, results, tz = await _read(session, caller, users, start.date() - timedelta(days=1), end.date() + timedelta(days=1))
    by_day = {(r.member_id, r.day): r for r in results}
    out = [_record(r, by_day.get((r.member_id, r.day)), tz) for r in records if start_at <= r.checked_at <= end_at]
    return JSONResponse(errors.oapi_ok(recordresult=out))


@router.post("/attendance/list")
async def list_results(request: Request, caller: OapiApp, session: ReadSession) -> JSONResponse:
    params = await _params(request, caller)
    start, end = _window(params, "workDateFrom", "workDateTo")
    users = _users(params, "userIdList")
    offset = params.integer("offset", default=0, high=10**6)
    limit = params.integer("limit", default=MAX_LIMIT, low=1, high=MAX_LIMIT)
    records, results, tz = await _read(session, caller, users, start.date(), end.date())
    punches = {(r.member_id, r.day, r.kind): r for r in records}
    entries: list[dict[str, Any]] = []
    for result in results:
        for kind in ("in", "out"):
            punch = punches.get((result.member_id, result.day, kind))
            if punch is None and (result.rest_day or result.on_leave or result.status in ("pending", "in")):
                continue
            entry = {
                "userId": ids.userid(result.member_id), "workDate": _work_date(result.day, tz),
                "checkType": "OnDuty" if kind == "in" else "OffDuty", "timeResult": _time_result(kind, result),
                "locationResult": ("Outside" if punch.field else "Normal") if punch else "NotSigned",
                "groupId": result.group_id, "planId": result.shift_id,
            }
            if punch is not None:
                entry |= {"id": punch.id, "recordId": punch.id, "userCheckTime": _ms(punch.checked_at),
                          "sourceType": SOURCES.get(punch.source, "APP")}
            entries.append(entry)
    page = entries[offset : offset + limit]
    return JSONResponse(errors.oapi_ok(recordresult=page, hasMore=offset + limit < len(entries)))
