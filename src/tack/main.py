"""Composition root: builds the app, wires storage, the bus and the routers, serves the web client."""

import asyncio
import gc
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from tack.approval import hooks as approval_hooks
from tack.attendance import hooks as attendance_hooks
from tack.chat import hooks as chat_hooks
from tack.chat import routes as chat_routes
from tack.chat.actions import managed as chat_managed
from tack.chat.limits import ChatLimits
from tack.core import memory
from tack.core.errors import AppError
from tack.core.i18n import ZH_MESSAGES, pick_language
from tack.core.lazy import LazyLane, LazyRoutes, later
from tack.directory import hooks as directory_hooks
from tack.jobs import JobRegistry, JobRunner
from tack.openapi_compat import errors as compat_errors
from tack.openapi_compat.lane import LeanLane
from tack.realtime import gateway as realtime_gateway
from tack.realtime.broker import InProcessBroker
from tack.realtime.lane import SocketFirstApp
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
    # Imported when the runner first meets a job it does not know (core/lazy.py).
    registry = JobRegistry()
    registry.include_later("tack.ding.tasks")  # ding.deliver / remind / escalate / notify / cards
    registry.include_later("tack.attendance.tasks")  # attendance.recompute / close_day
    registry.include_later("tack.openapi_compat.work_notices.tasks")  # openapi_compat.work_notice_deliver
    registry.include_later("tack.openapi_compat.events.tasks")  # openapi_compat.event_deliver
    registry.include_later("tack.openapi_compat.robots.tasks")  # robots.outgoing
    registry.include_later("tack.approval.tasks")  # approval.notify / remind / pay
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
    """Lower domains announce changes, higher ones react (DESIGN.md): every hook is wired here.
    A handler of a domain an idle server need not hold is imported by its first call (later)."""
    # Department groups (部门群) and the all-staff group (全员群) follow the directory.
    directory_hooks.on_directory_change(chat_managed.on_directory_change)
    # Apps subscribed to 通讯录 events get them as DingTalk callbacks.
    directory_hooks.on_directory_change(later("tack.openapi_compat.events.directory_events", "on_directory_change"))
    # Apps subscribed to approval and attendance events get bpms_* / attendance_check_record.
    approval_hooks.on_instance_change(later("tack.openapi_compat.events.domain_events", "on_approval_change"))
    attendance_hooks.on_check_in(later("tack.openapi_compat.events.domain_events", "on_check_in"))
    # Outgoing robots: a member's message that @-mentions a robot goes to its callback URL.
    chat_hooks.on_message_sent(later("tack.openapi_compat.robots.actions", "on_message_sent"))
    # A new organization starts with the built-in approval templates.
    directory_hooks.on_directory_change(later("tack.approval.actions.templates", "on_directory_change"))
    # Approved (and revoked) leave and approved 补卡 → attendance, through attendance's hook.
    approval_hooks.on_approval_outcome(later("tack.approval.to_attendance", "on_outcome"))


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """The router's routes, as the app's own: not `app.include_router`. FastAPI (0.165) keeps an
    included router as is and builds, on the first request, a second copy of each of its routes'
    handler state for the inclusion (dependant, response fields, handler): ~3.6 MB of an idle
    server's RSS for 212 routes (docs/performance.md, Memory). Our routers carry their prefix,
    tags and dependencies in their routes already, and are included without any of their own."""
    app.router.routes.extend(router.routes)


def _routes(*routers: APIRouter) -> list[BaseRoute]:
    return [route for router in routers for route in router.routes]


def _assemble(app: FastAPI) -> None:
    """The routes, in their order, and the lanes ahead of the router. Chat, realtime and the web
    client are loaded now; every other domain's routes by the first request under their path
    prefixes (core/lazy.py: an idle server holds ~14 MB less). Each loader's imports are the
    ones main.py would make for it at the top."""
    router = app.router

    def lazy(name: str, prefixes: list[str], load: Callable[[], list[BaseRoute]]) -> None:
        router.routes.append(LazyRoutes(router, name, prefixes, load))

    org = "/api/v1/orgs/{org_id}"
    # Realtime register (5,000 at once after a restart) and the open platform's hottest paths
    # skip the router (answered the same way: openapi_compat/lane.py); the open platform's
    # join the lane when their routes load (until then the router answers them, as it would).
    lean = dict(realtime_gateway.LEAN)

    def directory() -> list[BaseRoute]:
        from tack.directory.routes import accounts, invitations, members, orgs

        return _routes(accounts.router, orgs.router, members.router, invitations.router)

    def ding() -> list[BaseRoute]:
        from tack.ding import routes

        return _routes(routes.router)

    def approval() -> list[BaseRoute]:
        from tack.approval import routes

        return _routes(routes.router)

    def attendance() -> list[BaseRoute]:
        from tack.attendance import routes

        return _routes(routes.router, routes.device_router)

    def checkin_lane(inner: ASGIApp) -> ASGIApp:
        from tack.attendance.batcher import CheckinBatcher
        from tack.attendance.routes import CheckinFastPath

        app.state.checkin_batcher = CheckinBatcher(app.state.uow_factory, app.state.read_sessionmaker)
        return CheckinFastPath(inner)

    def robots() -> list[BaseRoute]:
        from tack.openapi_compat.robots import routes

        lean.update(routes.LEAN)
        # DingTalk's own paths live at the root, beside /api/v1 (the wire-format reference, §1).
        return _routes(routes.router, routes.webhook_router)

    def jobs_admin() -> list[BaseRoute]:
        from tack.jobs_admin import routes

        return _routes(routes.router)

    def open_platform() -> list[BaseRoute]:
        # Its admin API under /api/v1, DingTalk's own paths at the root (see
        # tack.openapi_compat.routes for how to add one).
        from tack.openapi_compat import routes as tokens
        from tack.openapi_compat import unsupported
        from tack.openapi_compat.apps import routes as apps
        from tack.openapi_compat.approvals import routes as approvals
        from tack.openapi_compat.attendance import routes as attendance
        from tack.openapi_compat.contact import routes as contact
        from tack.openapi_compat.ding import routes as ding
        from tack.openapi_compat.events import routes as events
        from tack.openapi_compat.robots import v1 as robots_v1
        from tack.openapi_compat.stream import routes as stream
        from tack.openapi_compat.work_notices import routes as work_notices

        lean.update(contact.LEAN)
        return _routes(apps.router, tokens.router, contact.router, work_notices.router, events.router, stream.router,
                       approvals.router, attendance.router, ding.router, robots_v1.router, unsupported.router)

    lazy("directory", ["/api/v1/auth", "/api/v1/me", "/api/v1/orgs$", f"{org}$", f"{org}/departments", f"{org}/audit",
                       f"{org}/members", f"{org}/invitations", f"{org}/join-requests", "/api/v1/invitations"], directory)
    _add_routes(app, chat_routes.router)
    lazy("ding", [f"{org}/dings", f"{org}/ding"], ding)
    lazy("approval", [f"{org}/approval"], approval)
    _add_routes(app, realtime_gateway.router)
    lazy("attendance", [f"{org}/attendance", "/api/v1/attendance/device"], attendance)
    # The 9:00 check-in burst: plain check-ins are group-committed, served ahead of FastAPI's
    # routing (the rest of that path's requests go on to the route above).
    app.add_middleware(LazyLane, pattern=r"/api/v1/orgs/[^/]+/attendance/", load=checkin_lane)
    # A message's unread count and who has (not) read it, for API clients: ahead of the routing too.
    app.add_middleware(chat_routes.ReceiptsFastPath)
    lazy("robots", [f"{org}/conversations/{{conversation_id}}/robots", "/robot"], robots)
    lazy("jobs_admin", [f"{org}/jobs"], jobs_admin)
    lazy("open_platform", [f"{org}/apps", f"{org}/app-scopes", f"{org}/app-event-types", "/gettoken", "/v1.0",
                           "/router/rest", "/user", "/department", "/topapi", "/attendance", "/message",
                           "/get_jsapi_ticket", "/media"], open_platform)
    # DingTalk's error forms on its own paths.
    compat_errors.install(app)
    app.add_middleware(LeanLane, routes=lean, handlers=app.exception_handlers)
    _add_routes(app, web_routes.router)
    web_routes.mount_static(app)
    web_routes.mount_api_docs(app)


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
        # Stream clients reconnect (through a new open call) when told; then jobs stop. (No
        # stream client without the module: its routes load with their first request.)
        if (stream_hub := sys.modules.get("tack.openapi_compat.stream.hub")) is not None:
            await stream_hub.HUB.disconnect_all()
        await app.state.job_runner.stop()
        await read_engine.dispose()
        await engine.dispose()

    app = SocketFirstApp(
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
    _assemble(app)
    return app
