"""uvicorn's WebSocket protocol (websockets-sansio) plus a synchronous frame writer.

Why: through ASGI, every event frame to every socket costs an awaited `send` (a coroutine,
a dict, websockets' frame object and checks) and the per-socket task that awaits it, about
as much again. An event is the same bytes for every recipient but its short `{"id":N,`
prefix, and server frames are not masked, so framing is a two- or four-byte header. With
this writer the broker writes a queue's frame straight to the socket's transport when the
socket is caught up and its transport is not paused; anything else (a paused transport, a
backlog, another ASGI server) takes the awaited ASGI path.

A backlog (a resuming client's missed events) goes out the same way in few writes:
`try_write_many` frames as many queued events as fit in one chunk and hands them to the
transport in ONE write, instead of one awaited ASGI send (and one socket write) per event.

`tack serve` runs uvicorn with `ws=WS_PROTOCOL`; the app finds the writer as the ASGI
extension "tack.frame_writer" in the socket's scope.

Memory per idle socket (thousands stay open for hours): the protocol's inbox and its
"writable" flag are asyncio.Queue and asyncio.Event in uvicorn, i.e. four deques of ~0.6 KB
(their first block) each; here they are a list and a flag whose waiters are made only when
someone waits. The handshake's parsed request and response (headers objects, ~4 KB) are
dropped once the handshake is answered: the app's scope keeps the request headers it reads.
"""

import asyncio
import struct
from collections.abc import Sequence
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import apply_mask  # websockets' C speedup where built, else Python
from websockets.protocol import State

WS_PROTOCOL = "tack.realtime.wire:TackWebSocketProtocol"
EXTENSION = "tack.frame_writer"
# At most this many bytes of frames per transport write of a backlog (always at least one
# frame): the transport's flow control (pause_writing) is looked at again between chunks.
CHUNK_BYTES = 256 * 1024


def frame_header(length: int) -> bytes:
    """FIN + binary opcode, unmasked (server to client), RFC 6455 section 5.2."""
    if length < 126:
        return bytes((0x82, length))
    if length < 65536:
        return struct.pack("!BBH", 0x82, 126, length)
    return struct.pack("!BBQ", 0x82, 127, length)


class _Inbox:
    """What uvicorn uses of asyncio.Queue (put_nowait, get, empty), without its deques."""

    __slots__ = ("_items", "_waiters")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiters: list[asyncio.Future[None]] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiters = self._waiters
        if waiters:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
                    break

    async def get(self) -> Any:
        while not self._items:
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                # Cancelled after being woken: pass the wake-up on, as asyncio.Queue does.
                if waiter.done() and not waiter.cancelled() and self._items:
                    self._wake_one(waiter)
                raise
            finally:
                self._waiters.remove(waiter)
                if not self._waiters:
                    self._waiters = None
        return self._items.pop(0)

    def _wake_one(self, skip: asyncio.Future[None]) -> None:
        for waiter in self._waiters or ():
            if waiter is not skip and not waiter.done():
                waiter.set_result(None)
                return

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class _Flag:
    """What uvicorn uses of asyncio.Event (set, clear, is_set, wait), waiters made on demand."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if self._set:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)
                if not self._waiters:
                    self._waiters = None
        return True


class TackWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = _Inbox()  # type: ignore[assignment]
        writable = _Flag()
        writable.set()
        self.writable = writable  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # Answered: uvicorn reads the handshake's request and response no more.
            self.request = self.response = None  # type: ignore[assignment]

    def handle_connect(self, event):  # type: ignore[no-untyped-def]
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = {"writer": self}

    def data_received(self, data: bytes) -> None:
        if not self._receive_whole_frame(data):
            super().data_received(data)

    def _receive_whole_frame(self, data: bytes) -> bool:
        """Takes `data` when it is exactly one whole client data frame (FIN, no reserved bits,
        text or binary, masked, under 64 KiB and within the size limit) on an open socket with
        nothing half-read: what a client's send frame or read mark is, one per TCP read. Its
        message goes to the app as websockets' parser and uvicorn would hand it over, without
        their generator-driven parse (~7 % of the server's CPU per message sent alone).
        Anything else (a split or fragmented frame, several frames in one read, control
        frames, invalid UTF-8, a closing socket) answers False and takes their path whole."""
        n = len(data)
        if n < 6 or not self.handshake_complete or self.close_sent:
            return False
        first, second = data[0], data[1]
        if (first != 0x81 and first != 0x82) or second < 0x80:
            return False
        length = second & 0x7F
        if length < 126:
            start = 2
        elif length == 126 and n >= 8:
            length = (data[2] << 8) | data[3]
            start = 4
        else:
            return False
        conn = self.conn
        if (
            start + 4 + length != n
            or conn.state is not State.OPEN
            or conn.current_size is not None
            or conn.reader.buffer
            or conn.parser_exc is not None
            or (conn.max_message_size is not None and length > conn.max_message_size)
        ):
            return False
        payload = apply_mask(data[start + 4 :], data[start : start + 4])
        if first == 0x82:
            self.queue.put_nowait({"type": "websocket.receive", "bytes": payload})
            return True
        try:
            text = payload.decode()
        except UnicodeDecodeError:
            return False  # websockets' and uvicorn's path closes with 1007
        self.queue.put_nowait({"type": "websocket.receive", "text": text})
        return True

    def _open_for_writes(self) -> bool:
        return not (
            self.close_sent
            or self.disconnected
            or not self.handshake_complete
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        )

    def try_write(self, payload: bytes) -> bool:
        """Writes one binary frame now, or answers False (not open, closing, or the transport
        asked us to pause: then the caller queues it for the awaited path)."""
        if not self._open_for_writes():
            return False
        self.transport.write(frame_header(len(payload)) + payload)
        return True

    def try_write_many(self, items: Sequence[tuple[int, bytes]], start: int = 0, max_bytes: int = CHUNK_BYTES) -> int:
        """Writes `items` ((event id, payload) pairs, in order) from `start` on as binary
        frames in ONE transport write: as many as fit in `max_bytes`, at least one. Answers
        how many were written: 0 when the socket takes nothing now (as try_write's False). The
        caller writes the rest by calling again: between calls the transport may have asked
        us to pause."""
        if start >= len(items) or not self._open_for_writes():
            return 0
        parts: list[bytes] = []
        size = 0
        for i in range(start, len(items)):
            payload = items[i][1]
            if parts and size + len(payload) > max_bytes:
                break
            parts.append(frame_header(len(payload)))
            parts.append(payload)
            size += len(payload)
        self.transport.write(b"".join(parts))
        return len(parts) // 2
