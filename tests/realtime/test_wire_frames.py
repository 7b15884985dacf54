"""Client frames as they come off the wire (realtime.wire): a whole frame in one read takes the
short path, anything else websockets' parser, and both hand the app the same message. Raw
bytes over TCP, so the tests choose how frames are cut into reads."""

import asyncio
import json
import os
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tack.realtime.wire import TackWebSocketProtocol
from tests.chat.conftest import direct
from tests.realtime.test_gateway import register


def client_frame(payload: bytes, *, opcode: int = 0x1, fin: bool = True) -> bytes:
    mask = os.urandom(4)
    n = len(payload)
    head = bytes(((0x80 if fin else 0) | opcode,))
    if n < 126:
        head += bytes((0x80 | n,))
    elif n < 65536:
        head += struct.pack("!BH", 0x80 | 126, n)
    else:
        head += struct.pack("!BQ", 0x80 | 127, n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class RawSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, reads: list[bool]) -> None:
        self.reader, self.writer = reader, writer
        self.reads = reads  # one entry per read the server got (short_path)

    async def write(self, *chunks: bytes) -> None:
        """Each chunk its own TCP write, the next only once the server has read the one before."""
        for i, chunk in enumerate(chunks):
            before = len(self.reads)
            self.writer.write(chunk)
            await self.writer.drain()
            if i < len(chunks) - 1:
                async with asyncio.timeout(5):
                    while len(self.reads) == before:
                        await asyncio.sleep(0.001)

    async def frame(self) -> tuple[int, bytes]:
        head = await self.reader.readexactly(2)
        n = head[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", await self.reader.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", await self.reader.readexactly(8))[0]
        return head[0] & 0x0F, await self.reader.readexactly(n)

    async def answer(self) -> dict[str, Any]:
        """The next ack, error or pong (events and heartbeats are skipped)."""
        while True:
            opcode, payload = await asyncio.wait_for(self.frame(), 5)
            if opcode == 0x8:
                return {"closed": struct.unpack("!H", payload[:2])[0]}
            body = json.loads(payload)
            if body.get("type") in ("ack", "error", "pong"):
                return body  # type: ignore[no-any-return]


@pytest.fixture
async def raw_socket(cast, live_url, short_path) -> AsyncIterator[RawSocket]:  # type: ignore[no-untyped-def]
    alice = cast["alice"]
    reg = await register(alice)
    host, port = live_url.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    path = f"/api/v1/realtime/ws?queue_id={reg['queue_id']}&last_event_id=0&token={alice.token}"
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: {live_url}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert response.startswith(b"HTTP/1.1 101")
    short_path.clear()  # the handshake's read
    yield RawSocket(reader, writer, short_path)
    writer.close()


@pytest.fixture
def short_path(monkeypatch) -> list[bool]:  # type: ignore[no-untyped-def]
    """Whether each read the server got took the short path."""
    taken: list[bool] = []
    original = TackWebSocketProtocol._receive_whole_frame

    def spy(self, data):  # type: ignore[no-untyped-def]
        result = original(self, data)
        taken.append(result)
        return result

    monkeypatch.setattr(TackWebSocketProtocol, "_receive_whole_frame", spy)
    return taken


def send(conversation_id: int, ref: str, text: str) -> bytes:
    return json.dumps({"op": "send", "ref": ref, "conversation_id": conversation_id, "message": {"text": text}}, ensure_ascii=False).encode()


async def test_a_whole_frame_takes_the_short_path_and_arrives_intact(cast, raw_socket, short_path) -> None:
    d = await direct(cast["alice"], cast["bob"])
    await raw_socket.write(client_frame(send(d["id"], "small", "短")))
    assert (await raw_socket.answer())["message"]["content"]["text"] == "短"
    long_text = "长消息" * 100  # past 125 bytes: the 16-bit length form
    await raw_socket.write(client_frame(send(d["id"], "long", long_text)))
    ack = await raw_socket.answer()
    assert (ack["ref"], ack["message"]["content"]["text"]) == ("long", long_text)
    await raw_socket.write(client_frame(b'{"op":"ping"}', opcode=0x2))  # binary frames too
    assert (await raw_socket.answer())["type"] == "pong"
    assert short_path == [True, True, True]


async def test_split_joined_and_fragmented_frames_take_the_parser(cast, raw_socket, short_path) -> None:
    d = await direct(cast["alice"], cast["bob"])
    whole = client_frame(send(d["id"], "split", "分两次到"))
    await raw_socket.write(whole[:5], whole[5:])
    assert (await raw_socket.answer())["message"]["content"]["text"] == "分两次到"
    await raw_socket.write(client_frame(send(d["id"], "one", "一")) + client_frame(send(d["id"], "two", "二")))
    assert [(await raw_socket.answer())["ref"] for _ in range(2)] == ["one", "two"]
    body = send(d["id"], "parts", "分片")
    await raw_socket.write(client_frame(body[:10], fin=False) + client_frame(body[10:], opcode=0x0))
    assert (await raw_socket.answer())["message"]["content"]["text"] == "分片"
    # Whatever the parser took, a whole frame after it takes the short path again.
    await raw_socket.write(client_frame(b'{"op":"ping"}'))
    assert (await raw_socket.answer())["type"] == "pong"
    assert short_path[-1] is True and short_path.count(False) >= 3


async def test_invalid_utf8_closes_with_1007(raw_socket, short_path) -> None:
    await raw_socket.write(client_frame(b'{"op":"ping","x":"\xff"}'))
    assert await raw_socket.answer() == {"closed": 1007}
    assert short_path == [False]
