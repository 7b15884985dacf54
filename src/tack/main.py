"""Composition root: builds the app, wires storage, the bus and the routers, serves the web client."""

import asyncio
import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from tack.attendance import routes as attendance_routes
from tack.attendance.batcher import CheckinBatcher
from tack.attendance import tasks as attendance_tasks
from tack.chat import hooks as chat_hooks
from tack.approval import routes as approval_routes
from tack.approval import hooks as approval_hooks
from tack.approval import tasks as approval_tasks
from tack.approval import to_attendance as approval_to_attendance
from tack.approval.actions import templates as approval_templates
from tack.chat import routes as chat_routes
from tack.chat.actions import managed as chat_managed
from tack.chat.limits import ChatLimits
from tack.core import memory
from tack.core.errors import AppError
from tack.core.i18n import ZH_MESSAGES, pick_language
from tack.ding import routes as ding_routes
from tack.ding import tasks as ding_tasks
from tack.directory import hooks as directory_hooks
from tack.directory.routes import accounts as account_routes
from tack.directory.routes import invitations as invitation_routes
from tack.directory.routes import members as member_routes
from tack.directory.routes import orgs as org_routes
from tack.jobs import JobRegistry, JobRunner
from tack.jobs_admin import routes as jobs_admin_routes
from tack.openapi_compat import errors as compat_errors
from tack.openapi_compat.lane import LeanLane
from tack.openapi_compat import routes as compat_token_routes
from tack.openapi_compat.apps import routes as compat_app_routes
from tack.openapi_compat.approvals import routes as compat_approval_routes
from tack.openapi_compat.attendance import routes as compat_attendance_routes
from tack.openapi_compat.ding import routes as compat_ding_routes
from tack.openapi_compat import unsupported as compat_unsupported
from tack.openapi_compat.contact import routes as compat_contact_routes
from tack.attendance import hooks as attendance_hooks
from tack.openapi_compat.events import directory_events as compat_directory_events
from tack.openapi_compat.events import domain_events as compat_domain_events
from tack.openapi_compat.events import routes as compat_event_routes
from tack.openapi_compat.events import tasks as compat_event_tasks
from tack.openapi_compat.stream import hub as compat_stream_hub
from tack.openapi_compat.stream import routes as compat_stream_routes
from tack.openapi_compat.work_notices import routes as compat_work_notice_routes
from tack.openapi_compat.work_notices import tasks as compat_work_notice_tasks
from tack.openapi_compat.robots import actions as robot_actions
from tack.openapi_compat.robots import routes as robot_routes
from tack.openapi_compat.robots import v1 as robot_v1_routes
from tack.openapi_compat.robots import tasks as robot_tasks
from tack.realtime import gateway as realtime_gateway
from tack.realtime.broker import InProcessBroker
from tack.realtime.lane import SocketLane
from tack.realtime.settings import RealtimeSettings
from tack.settings import Settings
from tack.storage.db import make_engine, make_read_engine, make_sessionmaker, read_sessionmaker, single_read_engine
from tack.storage.uow import UnitOfWorkFactory
from tack.web import routes as web_routes

log = logging.getLogger("tack")


def _error_body(request: Request, code: str, message: str, **extra: object) -> dict[str, object]:
    if pick_language(request.headers.get("accept-language")) == "zh-CN" and code in ZH_MESSAGES:
        message = ZH_MESSAGES[code]
    return {"code": code, "message": message, **extra}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            _error_body(request, exc.code, exc.message, **({"detail": exc.detail} if exc.detail else {})),
            status_code=exc.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid"}
        message = f"{'.'.join(str(p) for p in first['loc'][1:]) or 'body'}: {first['msg']}"
        return JSONResponse(_error_body(request, "validation_error", message, errors=errors), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Unknown paths and wrong methods answer in the same {code, message} shape as the rest.
        codes = {404: "not_found", 405: "method_not_allowed"}
        code = codes.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "HTTP error"
        return JSONResponse(_error_body(request, code, message), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        # Every database connection stayed busy for the pool's whole timeout: the server is
        # overloaded, not broken, so the client is told to come back rather than given a 500.
        return JSONResponse(
            _error_body(request, "server_busy", "The server is busy; try again in a moment"),
            status_code=503,
            headers={"retry-after": "1"},
        )

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # Uniqueness is checked before writing; this is the rare race two requests can still run.
        return JSONResponse(
            _error_body(request, "conflict", "The change conflicts with another one made at the same time"),
            status_code=409,
        )


def _job_registry() -> JobRegistry:
    """Every durable job this server runs: each domain's tasks.py registry joins here."""
    registry = JobRegistry()
    registry.include(ding_tasks.jobs)  # ding.deliver / remind / escalate / notify / cards
    registry.include(attendance_tasks.jobs)  # attendance.recompute / close_day
    registry.include(compat_work_notice_tasks.jobs)  # openapi_compat.work_notice_deliver
    registry.include(compat_event_tasks.jobs)  # openapi_compat.event_deliver
    registry.include(robot_tasks.jobs)  # robots.outgoing
    registry.include(approval_tasks.jobs)  # approval.notify / remind / pay
    if os.environ.get("TACK_TEST_JOBS") == "1":  # TEST ONLY: the `test.record` job of tests/jobs
        from tack.jobs import testing

        registry.include(testing.jobs)
    return registry


def _job_runner(uow_factory: UnitOfWorkFactory, settings: Settings) -> JobRunner:
    runner = JobRunner(
        uow_factory,
        _job_registry(),
        poll_seconds=settings.jobs_poll_seconds,
        lease_seconds=settings.jobs_lease_seconds,
        concurrency=settings.jobs_concurrency,
    )
    # After a commit that wrote jobs due now, the runner starts them without waiting to poll.
    uow_factory.wake_jobs = runner.wake
    return runner


def register_hooks() -> None:
    """Lower domains announce changes, higher ones react (DESIGN.md): every hook is wired here."""
    # Department groups (部门群) and the all-staff group (全员群) follow the directory.
    directory_hooks.on_directory_change(chat_managed.on_directory_change)
    # Apps subscribed to 通讯录 events get them as DingTalk callbacks.
    directory_hooks.on_directory_change(compat_directory_events.on_directory_change)
    # Apps subscribed to approval and attendance events get bpms_* / attendance_check_record.
    approval_hooks.on_instance_change(compat_domain_events.on_approval_change)
    attendance_hooks.on_check_in(compat_domain_events.on_check_in)
    # Outgoing robots: a member's message that @-mentions a robot goes to its callback URL.
    chat_hooks.on_message_sent(robot_actions.on_message_sent)
    # A new organization starts with the built-in approval templates.
    directory_hooks.on_directory_change(approval_templates.on_directory_change)
    # Approved (and revoked) leave and approved 补卡 → attendance, through attendance's hook.
    approval_hooks.on_approval_outcome(approval_to_attendance.on_outcome)


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """The router's routes, as the app's own: not `app.include_router`. FastAPI (0.165) keeps an
    included router as is and builds, on the first request, a second copy of each of its routes'
    handler state for the inclusion (dependant, response fields, handler): ~3.6 MB of an idle
    server's RSS for 212 routes (docs/performance.md, Memory). Our routers carry their prefix,
    tags and dependencies in their routes already, and are included without any of their own."""
    app.router.routes.extend(router.routes)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = (settings or Settings()).prepare()
    register_hooks()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The OpenAPI document is built by its first request, in a worker thread (web.routes.mount_api_docs).
        if settings.jobs_runner:
            await app.state.job_runner.start()
        # Everything alive now (modules, routes, compiled statements, settings) lives as long
        # as the server: frozen out of the collector, a full collection with thousands of
        # sockets scans only what came since, instead of pausing for hundreds of ms.
        gc.collect()
        gc.freeze()
        # A young-generation collection every 700 net allocations ran ~100 times a second under
        # load, each traversing every in-flight request's young objects (0.8 ms on average):
        # 7.9 % of the server's CPU and pauses up to 12 ms during 5,000 socket read marks. At
        # 20,000 that window saw none; garbage cycles wait a little longer to be freed.
        gc.set_threshold(20_000, 10, 10)
        # Freed C heap back to the OS after bursts (core/memory.py: 27 MB of 190 MB at 2,000 sockets).
        trimmer = asyncio.get_running_loop().create_task(memory.trim_periodically(30))
        yield
        trimmer.cancel()
        # Stream clients reconnect (through a new open call) when told; then jobs stop.
        await compat_stream_hub.HUB.disconnect_all()
        await app.state.job_runner.stop()
        await read_engine.dispose()
        await engine.dispose()

    app = FastAPI(
        title="Tack",
        version="0.1.0",
        description="Self-hosted work platform modelled on DingTalk. Errors are JSON: {code, message}.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by web.routes.mount_api_docs, built on first request
        lifespan=lifespan,
    )
    engine = make_engine(settings.resolved_database_url)
    app.state.settings = settings
    app.state.engine = engine
    # The bus every unit of work publishes to after commit: in-process for one server.
    app.state.broker = InProcessBroker(RealtimeSettings())
    app.state.uow_factory = UnitOfWorkFactory(make_sessionmaker(engine), bus=app.state.broker)
    read_engine = make_read_engine(settings.resolved_database_url, engine)
    app.state.read_engine = read_engine
    app.state.read_sessionmaker = read_sessionmaker(read_engine)
    app.state.single_read_engine = single_read_engine(read_engine)
    app.state.job_runner = _job_runner(app.state.uow_factory, settings)
    app.state.chat_limits = ChatLimits()
    _install_error_handlers(app)
    for module in (account_routes, org_routes, member_routes, invitation_routes, chat_routes, ding_routes, approval_routes, realtime_gateway):
        _add_routes(app, module.router)
    _add_routes(app, attendance_routes.router)
    _add_routes(app, attendance_routes.device_router)
    # The 9:00 check-in burst: plain check-ins are group-committed, served ahead of FastAPI's
    # routing (the rest of that path's requests go on to the route above).
    app.state.checkin_batcher = CheckinBatcher(app.state.uow_factory, app.state.read_sessionmaker)
    app.add_middleware(attendance_routes.CheckinFastPath)
    # A message's unread count and who has (not) read it, for API clients: ahead of the routing too.
    app.add_middleware(chat_routes.ReceiptsFastPath)
    _add_routes(app, robot_routes.router)
    # DingTalk's own paths live at the root, beside /api/v1 (the wire-format reference, §1).
    _add_routes(app, robot_routes.webhook_router)
    _add_routes(app, jobs_admin_routes.router)
    # The DingTalk-compatible open platform: its admin API under /api/v1, DingTalk's own paths
    # at the root (see tack.openapi_compat.routes for how to add one), DingTalk's error forms.
    for module in (compat_app_routes, compat_token_routes, compat_contact_routes, compat_work_notice_routes, compat_event_routes, compat_stream_routes, compat_approval_routes, compat_attendance_routes, compat_ding_routes, robot_v1_routes, compat_unsupported):
        _add_routes(app, module.router)
    compat_errors.install(app)
    # The open platform's hottest paths, and realtime register (5,000 at once after a restart),
    # skip the router (answered the same way: lane.py).
    app.add_middleware(
        LeanLane, routes={**compat_contact_routes.LEAN, **robot_routes.LEAN, **realtime_gateway.LEAN}, handlers=app.exception_handlers
    )
    _add_routes(app, web_routes.router)
    web_routes.mount_static(app)
    web_routes.mount_api_docs(app)
    # The realtime socket skips the middlewares and the router (it would hold a frame of each
    # for its whole life): outermost, so it is added last (realtime/lane.py).
    app.add_middleware(SocketLane)
    return app
