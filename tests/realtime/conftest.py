"""A real uvicorn server on the test loop, serving the session's app, for WebSocket tests."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from tack.realtime.wire import WS_PROTOCOL


@pytest.fixture(scope="session")
async def live_url(app) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    # lifespan off: the app fixture owns the engine; the server only serves requests.
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", ws=WS_PROTOCOL)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    await task


async def recv(ws: ClientConnection, timeout: float = 5) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), timeout)
    return json.loads(raw)  # type: ignore[no-any-return]


async def recv_events(ws: ClientConnection, n: int, timeout: float = 5) -> list[dict[str, Any]]:
    """The next n frames that carry an event id (heartbeats are skipped)."""
    out: list[dict[str, Any]] = []
    while len(out) < n:
        frame = await recv(ws, timeout)
        if "id" in frame:
            out.append(frame)
    return out


def ws_url(live_url: str, **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"ws://{live_url}/api/v1/realtime/ws?{query}"


__all__ = ["connect", "recv", "recv_events", "ws_url"]
