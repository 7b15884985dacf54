"""Stream connections of this process, by app, and delivery of one frame with its ack.

- An app may hold several connections (DingTalk allows it); an event goes to one of them, the
  newest that subscribed to events, and counts as delivered only when that client acks it with
  code 200 within ACK_SECONDS. Anything else (no client, no ack, another code) is "not
  delivered" and the durable job retries it later, so a client that was away gets it then.
- One node only: the job must run in the process that holds the socket. With several server
  processes a delivery whose job lands on another node is retried until it meets the socket's
  node (noted in ARCHITECTURE; a Redis hand-off is the next step).
"""

import asyncio
import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import WebSocket

from tack.openapi_compat.stream import frames

ACK_SECONDS = 10.0


@dataclass(eq=False)
class StreamConnection:
    websocket: WebSocket
    app_id: int
    org_id: int
    topics: set[tuple[str, str]]
    connection_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    waiting: dict[str, asyncio.Future[int]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def wants_events(self) -> bool:
        return any(kind == "EVENT" for kind, _ in self.topics)

    def wants_callback(self, topic: str) -> bool:
        return ("CALLBACK", topic) in self.topics

    async def send(self, text: str) -> None:
        async with self.lock:
            await self.websocket.send_text(text)

    async def request(self, message_id: str, text: str, timeout: float = ACK_SECONDS) -> int | None:
        """Sends a frame and waits for its ack's code (None: no ack in time, or the socket went)."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.waiting[message_id] = future
        try:
            await self.send(text)
            return await asyncio.wait_for(future, timeout)
        except (asyncio.TimeoutError, RuntimeError, OSError):
            return None
        except Exception:  # the socket closed under us (starlette/websockets raise their own)
            return None
        finally:
            self.waiting.pop(message_id, None)

    def acked(self, message_id: str, code: int) -> None:
        future = self.waiting.get(message_id)
        if future is not None and not future.done():
            future.set_result(code)

    def closed(self) -> None:
        for future in self.waiting.values():
            if not future.done():
                future.set_result(0)


class StreamHub:
    def __init__(self) -> None:
        self._by_app: dict[int, list[StreamConnection]] = {}
        self._ids = itertools.count(1)

    def add(self, conn: StreamConnection) -> None:
        self._by_app.setdefault(conn.app_id, []).append(conn)

    def remove(self, conn: StreamConnection) -> None:
        conns = self._by_app.get(conn.app_id, [])
        if conn in conns:
            conns.remove(conn)
        if not conns:
            self._by_app.pop(conn.app_id, None)
        conn.closed()

    def connections(self, app_id: int) -> list[StreamConnection]:
        return list(self._by_app.get(app_id, []))

    def message_id(self) -> str:
        return f"tack-{uuid.uuid4().hex[:12]}-{next(self._ids)}"

    async def deliver_event(self, app_id: int, topic: str, data: dict[str, Any], headers: dict[str, Any]) -> str | None:
        """None when delivered (acked 200), else why not."""
        conns = [c for c in self.connections(app_id) if c.wants_events()]
        if not conns:
            return "no stream client of this app is connected"
        conn = conns[-1]
        message_id = self.message_id()
        text = frames.encode("EVENT", topic, message_id, data, appId=headers.get("eventUnifiedAppId", ""),
                             connectionId=conn.connection_id, **headers)
        code = await conn.request(message_id, text)
        if code == 200:
            return None
        return "no ack from the stream client" if code is None else f"stream client acked with code {code}"

    async def deliver_callback(self, app_id: int, topic: str, data: dict[str, Any]) -> str | None:
        """A CALLBACK frame (a bot message: topic /v1.0/im/bot/messages/get) to the newest
        connection of the app registered for that topic; None when acked 200, else why not."""
        conns = [c for c in self.connections(app_id) if c.wants_callback(topic)]
        if not conns:
            return f"no stream client of this app is registered for {topic}"
        conn = conns[-1]
        message_id = self.message_id()
        code = await conn.request(message_id, frames.encode("CALLBACK", topic, message_id, data, connectionId=conn.connection_id))
        if code == 200:
            return None
        return "no ack from the stream client" if code is None else f"stream client acked with code {code}"

    async def ping(self, app_id: int) -> list[int | None]:
        """SYSTEM ping to every connection of the app; the ack codes (the SDK answers 200)."""
        out = []
        for conn in self.connections(app_id):
            message_id = self.message_id()
            out.append(await conn.request(message_id, frames.encode("SYSTEM", "ping", message_id, {"opaque": message_id})))
        return out

    async def disconnect_all(self) -> None:
        """SYSTEM disconnect (the SDK closes and reconnects through a new open call): on shutdown."""
        for conns in list(self._by_app.values()):
            for conn in list(conns):
                message_id = self.message_id()
                try:
                    await conn.send(frames.encode("SYSTEM", "disconnect", message_id, {"reason": "server shutdown"}))
                except Exception:  # already gone
                    pass


HUB = StreamHub()
