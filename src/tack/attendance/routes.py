"""Attendance HTTP routes under /api/v1/orgs/{org_id}/attendance."""

import inspect
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tack.attendance import actions, export, queries
from tack.attendance.actions import CheckinRequest
from tack.attendance.errors import BadRange
from tack.attendance.stats import month_range
from tack.attendance.schemas import (
    MAX_ID,
    Day,
    BoardRead,
    CheckinCreate,
    CheckinRead,
    DeviceBatchRead,
    DeviceCreate,
    DeviceList,
    DeviceRead,
    DeviceUpdate,
    GroupAssign,
    GroupCreate,
    GroupList,
    GroupRead,
    GroupUpdate,
    HolidayList,
    HolidaySet,
    PlaceCreate,
    PlaceList,
    PlaceRead,
    RecordList,
    ResultList,
    ScheduleList,
    ScheduleSet,
    ShiftCreate,
    ShiftList,
    ShiftRead,
    ShiftUpdate,
    StatsRead,
    TodayRead,
)
from tack.core.clock import utc_now
from tack.core.errors import AppError, PayloadTooLarge
from tack.core.tokens import hash_token
from tack.directory.auth import CurrentActor, csrf_problem, token_from
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/orgs/{org_id}/attendance", tags=["attendance"])
# Clock-in machines sign their requests instead of signing in; the serial finds the org.
device_router = APIRouter(prefix="/api/v1/attendance/device", tags=["attendance"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


# --- rules (owners and admins) --------------------------------------------------------------


@router.get("/shifts")
async def list_shifts(actor: CurrentActor, session: ReadSession) -> ShiftList:
    return await queries.list_shifts(session, actor)


@router.post("/shifts", status_code=201)
async def create_shift(actor: CurrentActor, uow: UoW, body: ShiftCreate) -> ShiftRead:
    return await actions.check_create_shift(uow, actor, body)


@router.patch("/shifts/{shift_id}")
async def update_shift(actor: CurrentActor, uow: UoW, shift_id: Id, body: ShiftUpdate) -> ShiftRead:
    return await actions.check_update_shift(uow, actor, shift_id, body)


@router.delete("/shifts/{shift_id}", status_code=204)
async def delete_shift(actor: CurrentActor, uow: UoW, shift_id: Id) -> Response:
    await actions.check_delete_shift(uow, actor, shift_id)
    return Response(status_code=204)


@router.get("/groups")
async def list_groups(actor: CurrentActor, session: ReadSession) -> GroupList:
    return await queries.list_groups(session, actor)


@router.post("/groups", status_code=201)
async def create_group(actor: CurrentActor, uow: UoW, body: GroupCreate) -> GroupRead:
    return await actions.check_create_group(uow, actor, body)


@router.get("/groups/{group_id}")
async def get_group(actor: CurrentActor, session: ReadSession, group_id: Id) -> GroupRead:
    return await queries.get_group(session, actor, group_id)


@router.patch("/groups/{group_id}")
async def update_group(actor: CurrentActor, uow: UoW, group_id: Id, body: GroupUpdate) -> GroupRead:
    return await actions.check_update_group(uow, actor, group_id, body)


@router.delete("/groups/{group_id}", status_code=204)
async def delete_group(actor: CurrentActor, uow: UoW, group_id: Id) -> Response:
    await actions.check_delete_group(uow, actor, group_id)
    return Response(status_code=204)


@router.put("/groups/{group_id}/assignment")
async def assign_group(actor: CurrentActor, uow: UoW, group_id: Id, body: GroupAssign) -> GroupRead:
    return await actions.check_assign_group(uow, actor, group_id, body)


@router.get("/groups/{group_id}/places")
async def list_places(actor: CurrentActor, session: ReadSession, group_id: Id) -> PlaceList:
    return await queries.list_places(session, actor, group_id)


@router.post("/groups/{group_id}/places", status_code=201)
async def add_place(actor: CurrentActor, uow: UoW, group_id: Id, body: PlaceCreate) -> PlaceRead:
    return await actions.check_add_place(uow, actor, group_id, body)


@router.delete("/places/{place_id}", status_code=204)
async def delete_place(actor: CurrentActor, uow: UoW, place_id: Id) -> Response:
    await actions.check_delete_place(uow, actor, place_id)
    return Response(status_code=204)


@router.get("/holidays")
async def list_holidays(actor: CurrentActor, session: ReadSession, from_day: Day, to_day: Day) -> HolidayList:
    return await queries.list_holidays(session, actor, from_day, to_day)


@router.put("/holidays")
async def set_holidays(actor: CurrentActor, uow: UoW, body: HolidaySet) -> HolidayList:
    return await actions.check_set_holidays(uow, actor, body)


@router.get("/schedules")
async def list_schedules(
    actor: CurrentActor,
    session: ReadSession,
    from_day: Day,
    to_day: Day,
    member_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> ScheduleList:
    return await queries.list_schedules(session, actor, from_day, to_day, member_id)


@router.put("/schedules")
async def set_schedules(actor: CurrentActor, uow: UoW, body: ScheduleSet) -> ScheduleList:
    return await actions.check_set_schedules(uow, actor, body)


# --- members --------------------------------------------------------------------------------


@router.post("/checkins")
async def check_in(actor: CurrentActor, uow: UoW, body: CheckinCreate) -> CheckinRead:
    """Check in or out. A repeat of the same punch answers with the first record (`duplicate`).

    This signature is the documented contract; plain check-ins are served by
    `CheckinFastPath` below, which hands anything else on to this function."""
    return await actions.check_checkin(uow, actor, body)


CHECKIN_PATH = re.compile(r"/api/v1/orgs/([0-9]{1,15})/attendance/checkins")
# A check-in body is a few hundred bytes; anything far larger is refused before it is held.
MAX_CHECKIN_BODY = 16 * 1024


class CheckinFastPath:
    """ASGI middleware (main.py adds it) that serves POST .../attendance/checkins for the
    9:00 burst without FastAPI's machinery: FastAPI's middlewares, routing and dependency
    chain and the ORM cost ~2.5 ms of CPU per request, five times the burst's budget
    (docs/performance.md).

    A plain check-in (a JSON body that validates, a session token, no `replace`) is
    translated into a CheckinRequest and handed to the group commit (CheckinBatcher →
    actions.do_checkin_batch, where the session is resolved and every decision taken, in the
    access and actions rooms as always); its errors are rendered by the app's own handler.
    Anything else (no token, a body that does not validate, an org id out of range, a
    replaced check-out) goes on to the FastAPI route `check_in`, so those answers, their
    order and the OpenAPI document stay exactly FastAPI's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not (match := CHECKIN_PATH.fullmatch(scope["path"])):
            await self.app(scope, receive, send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_CHECKIN_BODY:
                exc = PayloadTooLarge(f"At most {MAX_CHECKIN_BODY} bytes", limit=MAX_CHECKIN_BODY)
                await _render_error(scope, receive, send, exc)
                return
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        checkin = _plain_checkin(scope, int(match.group(1)), raw)
        if checkin is None:
            await self.app(scope, _replay(raw, receive), send)
            return
        app = scope["app"]
        try:
            answer = await app.state.checkin_batcher.check_in(checkin)
        except AppError as exc:
            await _render_error(scope, receive, send, exc)
            return
        await Response(answer.model_dump_json(), media_type="application/json")(scope, receive, send)


async def _render_error(scope: Scope, receive: Receive, send: Send, exc: AppError) -> None:
    """The answer the app's own handler gives for this error (its class or nearest base)."""
    app = scope["app"]
    handler = next(app.exception_handlers[c] for c in type(exc).__mro__ if c in app.exception_handlers)
    response = handler(Request(scope), exc)
    if inspect.isawaitable(response):
        response = await response
    await response(scope, receive, send)


def _plain_checkin(scope: Scope, org_id: int, raw: bytes) -> CheckinRequest | None:
    if not (1 <= org_id <= MAX_ID):
        return None
    content_type = authorization = b""
    has_cookie = False
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"authorization":
            authorization = value
        elif name == b"cookie":
            has_cookie = True
    if not content_type.startswith(b"application/json"):
        return None
    if authorization[:7].lower() == b"bearer " and authorization[7:].strip():
        token, from_cookie, request = authorization[7:].strip().decode("latin-1"), False, None
    elif has_cookie:
        request = Request(scope)
        token, from_cookie = token_from(request)
    else:
        return None
    if not token:
        return None
    try:
        body = CheckinCreate.model_validate_json(raw)
    except ValueError:  # bad JSON or a validation error: FastAPI words it
        return None
    if body.replace:
        return None
    token_hash = hash_token(token)
    refused = csrf_problem(request, token_hash, from_cookie) if request is not None else None
    return CheckinRequest(org_id=org_id, token_hash=token_hash, body=body, now=utc_now(), refused=refused)


def _replay(raw: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": raw, "more_body": False}

    return replay


@router.get("/me/today")
async def my_today(actor: CurrentActor, session: ReadSession) -> TodayRead:
    return await queries.my_today(session, actor)


@router.get("/me/records")
async def my_records(actor: CurrentActor, session: ReadSession, from_day: Day, to_day: Day) -> RecordList:
    records, _ = await queries.my_records(session, actor, from_day, to_day)
    return records


@router.get("/me/results")
async def my_results(actor: CurrentActor, session: ReadSession, from_day: Day, to_day: Day) -> ResultList:
    _, results = await queries.my_records(session, actor, from_day, to_day)
    return results


# --- managers -------------------------------------------------------------------------------


@router.get("/results")
async def list_results(
    actor: CurrentActor,
    session: ReadSession,
    from_day: Day,
    to_day: Day,
    member_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> ResultList:
    return await queries.list_results(session, actor, from_day, to_day, member_id)


@router.get("/stats")
async def stats(
    actor: CurrentActor,
    session: ReadSession,
    from_day: Day,
    to_day: Day,
    group_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    department_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> StatsRead:
    """Daily (from_day = to_day) or any period up to 62 days: per member, department, group, day."""
    return await queries.stats(session, actor, from_day, to_day, group_id=group_id, department_id=department_id)


@router.get("/reports/monthly", response_model=None)
async def monthly_report(
    actor: CurrentActor,
    session: ReadSession,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")],
    format: Literal["json", "csv", "xlsx"] = "json",
    lang: Literal["zh-CN", "en"] = "zh-CN",
    group_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    department_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> StatsRead | Response:
    """考勤月报: JSON, or a CSV / XLSX download."""
    try:
        start, end = month_range(month)
    except ValueError:
        raise BadRange("month is YYYY-MM") from None
    report = await queries.stats(session, actor, start, end, group_id=group_id, department_id=department_id)
    if format == "json":
        # Serialised by pydantic in one pass (FastAPI's encoder walks 10,000 members in Python).
        return Response(report.model_dump_json(), media_type="application/json")
    name = f"attendance-{month}.{format}"
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    if format == "csv":
        return Response(export.to_csv(report, lang), media_type="text/csv; charset=utf-8", headers=headers)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(export.to_xlsx(report, lang), media_type=media, headers=headers)


@router.get("/board/today")
async def today_board(actor: CurrentActor, session: ReadSession) -> BoardRead:
    return await queries.today_board(session, actor)


# --- clock-in devices -----------------------------------------------------------------------


@router.get("/devices")
async def list_devices(actor: CurrentActor, session: ReadSession) -> DeviceList:
    return await queries.list_devices(session, actor)


@router.post("/devices", status_code=201)
async def create_device(actor: CurrentActor, uow: UoW, body: DeviceCreate) -> DeviceRead:
    """Registers a machine; the answer is the only one that shows its secret."""
    return await actions.check_create_device(uow, actor, body)


@router.patch("/devices/{device_id}")
async def update_device(actor: CurrentActor, uow: UoW, device_id: Id, body: DeviceUpdate) -> DeviceRead:
    return await actions.check_update_device(uow, actor, device_id, body)


@router.delete("/devices/{device_id}", status_code=204)
async def delete_device(actor: CurrentActor, uow: UoW, device_id: Id) -> Response:
    await actions.check_delete_device(uow, actor, device_id)
    return Response(status_code=204)


@router.delete("/bindings/{member_id}", status_code=204)
async def reset_binding(actor: CurrentActor, uow: UoW, member_id: Id) -> Response:
    await actions.check_reset_binding(uow, actor, member_id)
    return Response(status_code=204)


@device_router.post("/punches")
async def device_punches(
    request: Request,
    uow: UoW,
    x_tack_device: Annotated[str, Header(max_length=64)],
    x_tack_timestamp: Annotated[str, Header(max_length=20)],
    x_tack_signature: Annotated[str, Header(max_length=128)],
) -> DeviceBatchRead:
    """Body: {"records": [{"member_id" | "employee_no", "at", "kind"?}]}, at most 1,000;
    signed as tack.attendance.signing describes."""
    raw = await request.body()
    return await actions.check_device_batch(uow, x_tack_device, x_tack_timestamp, x_tack_signature, raw)
