"""Robot fixtures: a real uvicorn server on the test loop (for the real DingtalkChatbot client),
a real callback receiver for outgoing robots, robots made through the API, and a job runner."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tack.directory import passwords
from tack.jobs import Backoff, JobRegistry, JobRunner
from tack.openapi_compat.robots import settings as robot_settings
from tack.openapi_compat.robots import tasks as robot_tasks
from tests.chat.conftest import Recorder, captured_events, group  # noqa: F401  (fixture)
from tests.helpers import Api


@pytest.fixture(scope="session", autouse=True)
def _cheap_argon2() -> Iterator[None]:
    hasher, dummy = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("tack-dummy-password")
    yield
    passwords._hasher, passwords._DUMMY_HASH = hasher, dummy


@pytest.fixture(autouse=True)
def robot_limits() -> Iterator[robot_settings.RobotSettings]:
    """DingTalk's defaults, fresh for every test (a test may change them on this object)."""
    fresh = robot_settings.RobotSettings(public_url="http://127.0.0.1:1")
    previous = robot_settings.use(fresh)
    yield fresh
    robot_settings.use(previous)


async def _serve(app: Any) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", http="h11")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    return server, task, server.servers[0].sockets[0].getsockname()[1]


@pytest.fixture(scope="session")
async def base_url(app) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """The session's app served over real HTTP (lifespan off: the app fixture owns the engine)."""
    server, task, port = await _serve(app)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


class Receiver:
    """A real HTTP endpoint standing in for an integration's callback URL: records each POST
    (headers and JSON) and answers with `status` and `reply` (a message body, or None)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = 200
        self.reply: dict[str, Any] | None = None
        self.url = ""

    async def handle(self, request: Request) -> Response:
        self.calls.append({"headers": dict(request.headers), "json": await request.json()})
        if self.status != 200:
            return Response("down", status_code=self.status)
        return JSONResponse(self.reply if self.reply is not None else {})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recv = Receiver()
    server, task, port = await _serve(Starlette(routes=[Route("/callback", recv.handle, methods=["POST"])]))
    recv.url = f"http://127.0.0.1:{port}/callback"
    yield recv
    server.should_exit = True
    await task


@pytest.fixture
def runner(app) -> JobRunner:  # type: ignore[no-untyped-def]
    registry = JobRegistry()
    registry.include(robot_tasks.jobs)
    return JobRunner(app.state.uow_factory, registry, rand=lambda: 0.5, backoff=Backoff(base_seconds=10, cap_seconds=3600))


async def run_all(runner: JobRunner) -> int:
    total = 0
    while n := await runner.run_once(limit=100):
        total += n
    return total


async def add_robot(api: Api, conversation_id: int, *, expect: int = 201, **body: Any) -> Any:
    body.setdefault("name", "告警机器人")
    return await api.post(api.org(f"/conversations/{conversation_id}/robots"), json=body, expect=expect)


async def messages(api: Api, conversation_id: int) -> list[dict[str, Any]]:
    page = await api.get(api.org(f"/conversations/{conversation_id}/messages"), params={"limit": 100})
    return [m for m in page["items"] if m["kind"] != "system"]
