"""Writing over the realtime socket: `send` and `read` frames go through the same chat actions
as their HTTP twins, are acknowledged only after commit, and a bad frame gets an error frame
with a stable code while the socket stays usable."""

import json
from typing import Any

from tests.chat.conftest import direct, group, send
from tests.realtime.conftest import connect, recv, recv_events, ws_url
from tests.realtime.test_gateway import closed_code, register


async def answer(ws: Any, timeout: float = 5) -> dict[str, Any]:
    """The next ack or error frame (events and heartbeats that arrive meanwhile are skipped)."""
    while True:
        frame = await recv(ws, timeout)
        if frame.get("type") in ("ack", "error", "pong"):
            return frame


async def socket_for(api: Any, live_url: str, **headers: str) -> Any:
    reg = await register(api)
    return connect(
        ws_url(live_url, queue_id=reg["queue_id"], last_event_id=0, token=api.token),
        additional_headers=headers or None,
    )


def send_frame(conversation_id: int, ref: Any = "r1", **message: Any) -> str:
    return json.dumps({"op": "send", "ref": ref, "conversation_id": conversation_id, "message": message})


async def history(api: Any, conversation_id: int) -> list[dict[str, Any]]:
    page = await api.get(api.org(f"/conversations/{conversation_id}/messages"))
    return [m for m in page["items"] if m["kind"] != "system"]


class TestSend:
    async def test_send_is_acked_after_commit_and_reaches_the_other_member(self, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        async with await socket_for(alice, live_url) as mine, await socket_for(bob, live_url) as theirs:
            await mine.send(send_frame(d["id"], ref="a-1", text="走 socket 发的", client_msg_id="c-1"))
            ack = await answer(mine)
            assert (ack["type"], ack["op"], ack["ref"], ack["created"]) == ("ack", "send", "a-1", True)
            assert ack["message"]["content"]["text"] == "走 socket 发的" and ack["message"]["seq"] == 1
            # The ack came after commit: the message is in the history for everyone.
            assert [m["id"] for m in await history(bob, d["id"])] == [ack["message"]["id"]]
            event = await recv(theirs)
            assert (event["type"], event["op"], event["data"]["message"]["id"]) == ("message", "add", ack["message"]["id"])

    async def test_retry_returns_the_first_message_and_a_changed_body_is_refused(self, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        async with await socket_for(alice, live_url) as ws:
            await ws.send(send_frame(d["id"], ref=1, text="只发一次", client_msg_id="same"))
            first = await answer(ws)
            await ws.send(send_frame(d["id"], ref=2, text="只发一次", client_msg_id="same"))
            again = await answer(ws)
            assert (again["ref"], again["created"], again["message"]["id"]) == (2, False, first["message"]["id"])
            await ws.send(send_frame(d["id"], ref=3, text="换了内容", client_msg_id="same"))
            refused = await answer(ws)
            assert (refused["type"], refused["status"], refused["code"], refused["ref"]) == ("error", 409, "client_msg_id_reused", 3)
            # The HTTP twin sees the same first message.
            via_http = await send(alice, d["id"], "只发一次", client_msg_id="same", expect=200)
            assert via_http["id"] == first["message"]["id"]
            await ws.send('{"op": "ping"}')
            assert (await answer(ws))["type"] == "pong"
        assert [m["content"]["text"] for m in await history(alice, d["id"])] == ["只发一次"]

    async def test_refused_sends_write_nothing_and_the_socket_stays(self, cast, live_url):
        alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
        d = await direct(alice, bob)
        others = await direct(bob, carol)  # alice is not in it
        foreign = await group(dave, name="Globex 群")
        cases = [
            (send_frame(d["id"], text="   "), 400, "message_empty"),
            (send_frame(d["id"], text="长" * 5001), 400, "message_too_long"),
            (send_frame(d["id"], kind="image"), 400, "file_required"),
            (send_frame(d["id"], text="x", reply_to_message_id=999999), 404, "reply_not_found"),
            (send_frame(d["id"], text="x", mention_all=True), 400, "not_a_group"),
            (send_frame(others["id"], text="偷发"), 404, "conversation_not_found"),
            (send_frame(foreign["id"], text="跨组织"), 404, "conversation_not_found"),
            (send_frame(987654, text="不存在"), 404, "conversation_not_found"),
            (send_frame(d["id"], text="x", client_msg_id="带 空格"), 422, "validation_error"),
            (send_frame(d["id"], text="x", colour="red"), 422, "validation_error"),
            (json.dumps({"op": "send", "ref": "r1", "message": {"text": "x"}}), 422, "validation_error"),
            (json.dumps({"op": "send", "ref": "r1", "conversation_id": "one", "message": {"text": "x"}}), 422, "validation_error"),
            (json.dumps({"op": "send", "ref": "r1", "conversation_id": 2**64, "message": {"text": "x"}}), 422, "validation_error"),
            ('{"op": "send", "ref": "r1", "conversation_id": ' + str(d["id"]) + ', "message": {"text": "\\ud800"}}', 422, "validation_error"),
            (send_frame(d["id"], text="a\x00b"), 422, "validation_error"),
        ]
        async with await socket_for(alice, live_url) as ws:
            for frame, status, code in cases:
                await ws.send(frame)
                got = await answer(ws)
                assert (got["type"], got["status"], got["code"], got["op"], got["ref"]) == ("error", status, code, "send", "r1"), frame[:80]
            await ws.send(send_frame(d["id"], text="这条能发"))
            assert (await answer(ws))["type"] == "ack"
        assert [m["content"]["text"] for m in await history(alice, d["id"])] == ["这条能发"]
        assert await history(bob, others["id"]) == [] and await history(dave, foreign["id"]) == []

    async def test_muted_group_refuses_members_over_the_socket_too(self, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        await alice.patch(alice.org(f"/conversations/{g['id']}"), json={"mute_all": True})
        async with await socket_for(bob, live_url) as ws:
            await ws.send(send_frame(g["id"], text="我能说话吗"))
            got = await answer(ws)
            assert (got["status"], got["code"]) == (403, "muted_all")

    async def test_errors_speak_the_handshake_language(self, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        async with await socket_for(alice, live_url, **{"Accept-Language": "zh-CN,zh;q=0.9"}) as ws:
            await ws.send(send_frame(d["id"], text=""))
            assert (await answer(ws))["message"] == "消息不能为空"
        async with await socket_for(alice, live_url, **{"Accept-Language": "en"}) as ws:
            await ws.send(send_frame(d["id"], text=""))
            assert (await answer(ws))["message"] == "The message is empty"


class TestBadFrames:
    async def test_oversize_unknown_and_malformed_frames(self, app, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        limit = app.state.broker.settings.max_frame_bytes
        async with await socket_for(alice, live_url) as ws:
            await ws.send(send_frame(d["id"], text="大" * limit))  # over the frame limit in bytes
            assert (await answer(ws))["code"] == "frame_too_large"
            await ws.send(b"x" * (limit + 1))
            assert (await answer(ws))["code"] == "frame_too_large"
            await ws.send('{"op": "dance", "ref": "d"}')
            unknown = await answer(ws)
            assert (unknown["code"], unknown["ref"]) == ("unknown_op", "d")
            await ws.send('{"op": "send", "ref": {"nested": 1}, "conversation_id": 1}')
            assert (await answer(ws))["code"] == "validation_error"  # and no ref to echo
            await ws.send("{")
            assert (await answer(ws))["code"] == "bad_frame"
            await ws.send(send_frame(d["id"], text="之后照常"))
            assert (await answer(ws))["type"] == "ack"
        assert [m["content"]["text"] for m in await history(alice, d["id"])] == ["之后照常"]


class TestRead:
    async def test_read_frame_moves_the_pointer_and_tells_the_sender(self, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        m = await send(alice, g["id"], "请阅")
        async with await socket_for(alice, live_url) as sender, await socket_for(bob, live_url) as reader:
            await reader.send(json.dumps({"op": "read", "ref": "rd", "conversation_id": g["id"], "seq": m["seq"] + 50}))
            ack = await answer(reader)
            assert (ack["type"], ack["ref"], ack["last_read_seq"], ack["member_id"]) == ("ack", "rd", m["seq"], bob.member_id)
            event = await recv(sender)
            assert (event["type"], event["data"]["pointer"]["member_id"]) == ("read", bob.member_id)
            await reader.send(json.dumps({"op": "read", "conversation_id": g["id"], "seq": -1}))
            assert (await answer(reader))["code"] == "validation_error"
        unread = await alice.get(alice.org(f"/conversations/{g['id']}/messages/{m['id']}/unread_count"))
        assert unread["unread_count"] == 0

    async def test_the_marking_device_gets_the_ack_alone_and_the_readers_other_device_the_event(self, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        m = await send(alice, g["id"], "两台设备")
        async with await socket_for(bob, live_url) as phone, await socket_for(bob, live_url) as desktop:
            await phone.send(json.dumps({"op": "read", "ref": "p", "conversation_id": g["id"], "seq": m["seq"]}))
            # Events are written at commit, before the ack that follows it: anything meant for
            # the phone would come first. A second mark (no move) makes sure nothing trails.
            frames = [await recv(phone)]
            while frames[-1].get("ref") != "p":
                frames.append(await recv(phone))
            await phone.send(json.dumps({"op": "read", "ref": "q", "conversation_id": g["id"], "seq": m["seq"]}))
            frames.append(await recv(phone))
            while frames[-1].get("ref") != "q":
                frames.append(await recv(phone))
            assert [(f["type"], f.get("ref")) for f in frames if f["type"] != "heartbeat"] == [("ack", "p"), ("ack", "q")]
            told = await recv_events(desktop, 1)
            assert (told[0]["type"], told[0]["op"], told[0]["data"]["pointer"]) == (
                "read", "update", {"conversation_id": g["id"], "member_id": bob.member_id, "last_read_seq": m["seq"]}
            )

    async def test_another_org_cannot_read_through_its_socket(self, cast, live_url):
        alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
        g = await group(alice, bob)
        m = await send(alice, g["id"], "只给 acme")
        async with await socket_for(dave, live_url) as ws:
            await ws.send(json.dumps({"op": "read", "conversation_id": g["id"], "seq": m["seq"]}))
            assert (await answer(ws))["code"] == "conversation_not_found"
        members = await alice.get(alice.org(f"/conversations/{g['id']}/members"))
        assert {x["member_id"]: x["last_read_seq"] for x in members["items"]}[bob.member_id] < m["seq"]


class TestSession:
    async def test_a_signed_out_socket_cannot_write(self, cast, live_url):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        async with await socket_for(alice, live_url) as ws:
            await alice.post("/api/v1/auth/logout", expect=204)
            await ws.send(send_frame(d["id"], text="登出以后"))
            got = await answer(ws)
            assert (got["status"], got["code"]) == (401, "session_expired")
            assert await closed_code(ws) == 4401
        assert await history(bob, d["id"]) == []



class FakeSocket:
    """What the batcher needs of a socket: its session, its queue's account and org, and
    where answers go (collected here, in the order they were given)."""

    def __init__(self, api: Any, account_id: int) -> None:
        from tack.core.tokens import hash_token

        self.token_hash = hash_token(api.token)
        self.account_id = account_id
        self.org_id = api.org_id
        self.in_flight = 0
        self.queue_id: str | None = None  # no client queue: every event reaches the account
        self.answers: list[tuple[Any, Any]] = []

    def answered(self, op: str, frame: dict[str, Any], answer: Any) -> None:
        self.answers.append((frame.get("ref"), answer))


def frame(conversation_id: int, ref: Any, **message: Any) -> dict[str, Any]:
    return {"op": "send", "ref": ref, "conversation_id": conversation_id, "message": message}


async def settle(batcher: Any) -> None:
    import asyncio

    while batcher._writer is not None and not batcher._writer.done():
        await asyncio.wait([batcher._writer])


class TestBatches:
    """Frames that arrive together are decided in order and committed in one transaction."""

    async def test_many_sockets_one_batch_in_order_with_retries_and_refusals(self, app, cast):
        from tack.chat.routes import SOCKET_OPS
        from tack.core.errors import AppError
        from tack.realtime.batching import SocketOpBatcher
        from tests.chat.conftest import account_of

        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        batcher = SocketOpBatcher(app.state.uow_factory, SOCKET_OPS, app.state)
        a, b = FakeSocket(alice, await account_of(alice)), FakeSocket(bob, await account_of(bob))
        batcher.submit(a, "send", frame(g["id"], 1, text="一", client_msg_id="a1"))
        batcher.submit(b, "send", frame(g["id"], 1, text="二"))
        batcher.submit(a, "send", frame(g["id"], 2, text="一", client_msg_id="a1"))  # retry inside the batch
        batcher.submit(a, "send", frame(g["id"], 3, text="变了", client_msg_id="a1"))  # reuse, other body
        batcher.submit(b, "send", frame(g["id"], 2, text="  "))  # refused, writes nothing
        batcher.submit(b, "read", {"op": "read", "ref": 3, "conversation_id": g["id"], "seq": 99})
        batcher.submit(a, "send", frame(g["id"], 4, text="三", reply_to_message_id=999999))  # no such message
        batcher.submit(b, "send", frame(g["id"], 4, text="x", colour="red"))  # malformed frame
        batcher.submit(a, "send", frame(g["id"], 5, text="四"))
        await settle(batcher)
        assert batcher.batches == 1
        assert a.in_flight == b.in_flight == 0
        by_ref_a = dict(a.answers)
        assert [ref for ref, _ in a.answers] == [1, 2, 3, 4, 5]
        first = by_ref_a[1].message
        assert (by_ref_a[1].created, by_ref_a[2].created, by_ref_a[2].message.id) == (True, False, first.id)
        assert isinstance(by_ref_a[3], AppError) and by_ref_a[3].code == "client_msg_id_reused"
        assert isinstance(by_ref_a[4], AppError) and by_ref_a[4].code == "reply_not_found"
        by_ref_b = dict(b.answers)
        assert isinstance(by_ref_b[2], AppError) and by_ref_b[2].code == "message_empty"
        assert by_ref_b[4].errors()[0]["type"]  # a pydantic ValidationError, answered 422
        # Written in order, seqs gapless; bob's read (after his message) stopped at the newest then.
        texts = [(m["seq"], m["content"]["text"]) for m in await history(alice, g["id"])]
        assert [t for _, t in texts] == ["一", "二", "四"]
        assert [s for s, _ in texts] == sorted(s for s, _ in texts) and len({s for s, _ in texts}) == 3
        assert by_ref_b[3].last_read_seq == texts[1][0]

    async def test_a_batch_that_fails_whole_is_written_frame_by_frame(self, app, cast):
        from tack.chat.routes import SOCKET_OPS
        from tack.realtime.batching import SocketOpBatcher
        from tests.chat.conftest import account_of

        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)

        async def fragile(uow: Any, frames: list[Any], state: Any) -> list[Any]:
            if any(f["message"].get("text") == "炸" for _, f, _ in frames):
                raise RuntimeError("a bug in one frame")
            return await SOCKET_OPS["send"](uow, frames, state)

        batcher = SocketOpBatcher(app.state.uow_factory, {"send": fragile}, app.state)
        a = FakeSocket(alice, await account_of(alice))
        for ref, text in enumerate(["甲", "炸", "乙"]):
            batcher.submit(a, "send", frame(d["id"], ref, text=text))
        await settle(batcher)
        answers = dict(a.answers)
        assert isinstance(answers[1], RuntimeError)
        assert answers[0].created and answers[2].created
        assert [m["content"]["text"] for m in await history(bob, d["id"])] == ["甲", "乙"]

    async def test_a_mark_after_a_send_in_the_same_batch_reaches_the_new_message(self, app, cast):
        """The first mark loads the conversation, the send stores its new last_seq with a Core
        UPDATE (not through the loaded row): the second mark still clamps to the new seq."""
        from tack.chat.routes import SOCKET_OPS
        from tack.realtime.batching import SocketOpBatcher
        from tests.chat.conftest import account_of

        alice, bob = cast["alice"], cast["bob"]
        g = await group(alice, bob)
        before = await send(alice, g["id"], "之前")
        batcher = SocketOpBatcher(app.state.uow_factory, SOCKET_OPS, app.state)
        a, b = FakeSocket(alice, await account_of(alice)), FakeSocket(bob, await account_of(bob))
        batcher.submit(b, "read", {"op": "read", "ref": 1, "conversation_id": g["id"], "seq": 99})
        batcher.submit(a, "send", frame(g["id"], 2, text="同一批"))
        batcher.submit(b, "read", {"op": "read", "ref": 3, "conversation_id": g["id"], "seq": 99})
        await settle(batcher)
        assert batcher.batches == 1
        sent = a.answers[0][1].message
        assert sent.seq == before["seq"] + 1
        assert [x.last_read_seq for _, x in b.answers] == [before["seq"], sent.seq]
        members = await alice.get(alice.org(f"/conversations/{g['id']}/members"))
        assert {x["member_id"]: x["last_read_seq"] for x in members["items"]}[bob.member_id] == sent.seq

    async def test_marks_of_one_member_end_at_the_furthest_and_other_orgs_are_refused(self, app, cast):
        from tack.chat.routes import SOCKET_OPS
        from tack.core.errors import AppError
        from tack.realtime.batching import SocketOpBatcher
        from tests.chat.conftest import account_of

        alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
        g = await group(alice, bob)
        sent = [await send(alice, g["id"], f"第{i}条") for i in range(3)]
        batcher = SocketOpBatcher(app.state.uow_factory, SOCKET_OPS, app.state)
        b, d = FakeSocket(bob, await account_of(bob)), FakeSocket(dave, await account_of(dave))
        for ref, seq in enumerate([sent[2]["seq"], sent[0]["seq"]]):
            batcher.submit(b, "read", {"op": "read", "ref": ref, "conversation_id": g["id"], "seq": seq})
        batcher.submit(d, "read", {"op": "read", "ref": 9, "conversation_id": g["id"], "seq": sent[2]["seq"]})
        await settle(batcher)
        assert [x.last_read_seq for _, x in b.answers] == [sent[2]["seq"], sent[2]["seq"]]  # never backwards
        assert isinstance(d.answers[0][1], AppError) and d.answers[0][1].code == "conversation_not_found"
        members = await alice.get(alice.org(f"/conversations/{g['id']}/members"))
        assert {x["member_id"]: x["last_read_seq"] for x in members["items"]}[bob.member_id] == sent[2]["seq"]
        unread = await alice.get(alice.org(f"/conversations/{g['id']}/messages/{sent[1]['id']}/unread_count"))
        assert unread["unread_count"] == 0
