"""uvicorn's WebSocket protocol (websockets-sansio) plus a synchronous frame writer.

Why: through ASGI, every event frame to every socket costs an awaited `send` (a coroutine,
a dict, websockets' frame object and checks) and the per-socket task that awaits it, about
as much again. An event is the same bytes for every recipient but its short `{"id":N,`
prefix, and server frames are not masked, so framing is a two- or four-byte header. With
this writer the broker writes a queue's frame straight to the socket's transport when the
socket is caught up and its transport is not paused; anything else (a paused transport, a
backlog, another ASGI server) takes the awaited ASGI path.

`tack serve` runs uvicorn with `ws=WS_PROTOCOL`; the app finds the writer as the ASGI
extension "tack.frame_writer" in the socket's scope.
"""

import struct

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

WS_PROTOCOL = "tack.realtime.wire:TackWebSocketProtocol"
EXTENSION = "tack.frame_writer"


def frame_header(length: int) -> bytes:
    """FIN + binary opcode, unmasked (server to client), RFC 6455 section 5.2."""
    if length < 126:
        return bytes((0x82, length))
    if length < 65536:
        return struct.pack("!BBH", 0x82, 126, length)
    return struct.pack("!BBQ", 0x82, 127, length)


class TackWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event):  # type: ignore[no-untyped-def]
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = {"writer": self}

    def try_write(self, payload: bytes) -> bool:
        """Writes one binary frame now, or answers False (not open, closing, or the transport
        asked us to pause: then the caller queues it for the awaited path)."""
        if (
            self.close_sent
            or self.disconnected
            or not self.handshake_complete
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
        ):
            return False
        transport = self.transport
        if transport.is_closing():
            return False
        transport.write(frame_header(len(payload)) + payload)
        return True
