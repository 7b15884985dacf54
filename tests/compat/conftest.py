"""A real HTTP server (uvicorn in a thread, its own app instance on the test database) for the
real, unmodified DingTalk client libraries, which are synchronous HTTP clients."""

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import uvicorn

from tack.jobs import JobRegistry, JobRunner
from tack.main import create_app
from tack.openapi_compat.work_notices import tasks as work_notice_tasks
from tack.settings import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(app, data_dir: Path, database_url: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Base URL of a server sharing the test database and secret key. Its job runner is off:
    tests run delivery jobs themselves (`run_jobs`), so nothing races the assertions."""
    settings = Settings(data_dir=data_dir, database_url=database_url, secret_key="test-secret", jobs_runner=False)
    application = create_app(settings)
    port = _free_port()
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="on", loop="asyncio")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:  # readiness of a server in another thread, not a timing assumption
        assert thread.is_alive() and time.monotonic() < deadline, "compat server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/"
    instance.should_exit = True
    thread.join(timeout=10)


def sdk_client(base_url: str, app: dict[str, Any]):  # type: ignore[no-untyped-def]
    """dingtalk-sdk's AppKeyClient repointed as the reference §1 says: API_BASE_URL for plain
    endpoints, and the TOP gateway URL (hard-coded to eco.taobao.com) moved to our server."""
    from dingtalk import AppKeyClient

    class TackClient(AppKeyClient):  # type: ignore[misc]
        API_BASE_URL = base_url

        def _handle_pre_top_request(self, params, uri):  # type: ignore[no-untyped-def]
            params, _ = super()._handle_pre_top_request(params, uri)
            return params, urljoin(self.API_BASE_URL, "router/rest")

    return TackClient("tack-corp", app["app_key"], app["app_secret"])


@pytest.fixture
def run_jobs(app):  # type: ignore[no-untyped-def]
    registry = JobRegistry()
    registry.include(work_notice_tasks.jobs)
    runner = JobRunner(app.state.uow_factory, registry)

    async def run() -> int:
        total = 0
        while n := await runner.run_once(limit=1000):
            total += n
        return total

    return run
