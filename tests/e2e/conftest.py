"""A real Tack server (demo data, own port, own data dir) and Debian's Chromium driven by Playwright.

The server is a subprocess started the way an operator starts it (`tack demo`, then
`tack serve`), so the tests see exactly what a browser sees: static files, cookies, CSRF.
One server serves the whole run, so a test may add people and departments (under names
no other test looks for) but must not change or remove what the demo made. Failed
sign-ins count towards the per-IP lockout (5 in 15 minutes): keep them rare.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

CHROMIUM = os.environ.get("TACK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TACK = [sys.executable, "-m", "tack.cli"]
STARTUP_DEADLINE_S = 120  # a busy shared 2-core machine boots the server slowly

expect.set_options(timeout=10_000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env() -> dict[str, str]:
    # The developer's own TACK_* settings (database, port) must not leak into the test server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACK_")}
    return env


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Base URL and the demo logins of a server that lives for the whole e2e run."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set TACK_CHROMIUM)")
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = _server_env()
    demo = json.loads(subprocess.run(
        [*TACK, "demo", "--data-dir", str(data_dir), "--json"], env=env, check=True, capture_output=True, text=True,
    ).stdout)
    port = _free_port()
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [*TACK, "serve", "--port", str(port), "--data-dir", str(data_dir)], env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base_url, data_dir / "server.log")
        yield {"base_url": base_url, "password": demo["password"], "logins": {u["role"]: u for u in demo["logins"]},
               "people": {u["name"]: u for u in demo["logins"]}, "robot": demo["robot"]}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tack serve exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(base_url + "/", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling interval while the server boots, not a wait for the UI
    raise RuntimeError(f"tack serve did not answer within {STARTUP_DEADLINE_S}s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set TACK_CHROMIUM)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def new_context(browser: Browser, demo_server: dict[str, Any]) -> AsyncIterator[Any]:
    """Makes fresh browser profiles (no cookies, no localStorage); all are closed after the test."""
    contexts: list[BrowserContext] = []

    async def make(**options: Any) -> Page:
        context = await browser.new_context(base_url=demo_server["base_url"], locale="zh-CN", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        await context.close()


@pytest.fixture
async def page(new_context: Any) -> AsyncIterator[Page]:
    page = await new_context()
    yield page
    assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]
