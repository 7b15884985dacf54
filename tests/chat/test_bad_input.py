"""The issue's "Bad input" list end to end over HTTP: ids that do not fit the database,
text the database cannot hold, malformed bodies: always a 4xx with a stable code, never a
500, and nothing written."""

from tests.chat.conftest import direct, group

TOO_BIG = 2**63  # one past the largest 64-bit id
HUGE = 2**70


async def _codes(api, calls):
    out = []
    for method, url, kwargs in calls:
        body = await api.request(method, url, expect=None, **kwargs)
        out.append((api.last.status_code, body.get("code") if isinstance(body, dict) else None))
    return out


async def test_ids_beyond_64_bits_are_refused_not_overflowed(cast):
    alice, bob = cast["alice"], cast["bob"]
    d = await direct(alice, bob)
    g = await group(alice, bob)
    conv, msgs = alice.org(f"/conversations/{d['id']}"), alice.org(f"/conversations/{d['id']}/messages")
    calls = []
    for big in (TOO_BIG, HUGE):
        calls += [
            ("POST", alice.org(f"/conversations/{big}/messages"), {"json": {"text": "x"}}),
            ("GET", alice.org(f"/conversations/{big}"), {}),
            ("POST", alice.org(f"/conversations/{big}/read"), {"json": {"seq": 1}}),
            ("POST", f"{msgs}/{big}/recall", {}),
            ("GET", f"{msgs}/{big}/receipts", {}),
            ("DELETE", alice.org(f"/conversations/{g['id']}/members/{big}"), {}),
            ("GET", f"{conv}/files/{big}", {}),
            ("GET", msgs, {"params": {"before_seq": big}}),
            ("GET", alice.org("/messages/search"), {"params": {"q": "x", "conversation_id": big}}),
            ("POST", msgs, {"json": {"text": "x", "reply_to_message_id": big}}),
            ("POST", msgs, {"json": {"text": "x", "mention_member_ids": [big]}}),
            ("POST", msgs, {"json": {"kind": "image", "file_id": big}}),
            ("POST", f"{conv}/read", {"json": {"seq": big}}),
            ("POST", alice.org("/conversations"), {"json": {"name": "x", "member_ids": [big]}}),
            ("POST", alice.org("/conversations/direct"), {"json": {"member_id": big}}),
        ]
    assert await _codes(alice, calls) == [(422, "validation_error")] * len(calls)
    page = await bob.get(bob.org(f"/conversations/{d['id']}/messages"))
    assert page["items"] == []


async def test_search_dates_without_a_utc_instant_are_refused(cast):
    alice = cast["alice"]
    search = alice.org("/messages/search")
    calls = [
        ("GET", search, {"params": {"q": "x", "since": "9999-12-31T23:00:00-10:00"}}),
        ("GET", search, {"params": {"q": "x", "until": "0001-01-01T00:00:00+05:00"}}),
        ("GET", search, {"params": {"q": "x", "since": "not a date"}}),
    ]
    assert await _codes(alice, calls) == [(422, "validation_error")] * len(calls)
    ok = await alice.get(search, params={"q": "x", "since": "2026-01-01T00:00:00+08:00"})
    assert ok["items"] == []


async def test_text_the_database_cannot_hold_is_refused(cast):
    alice, bob = cast["alice"], cast["bob"]
    d = await direct(alice, bob)
    g = await group(alice, bob)
    msgs = alice.org(f"/conversations/{d['id']}/messages")
    surrogate = b'{"text": "\\ud800 broken"}'
    calls = [
        ("POST", msgs, {"json": {"text": "a\x00b"}}),
        ("POST", msgs, {"content": surrogate, "headers": {"content-type": "application/json"}}),
        ("POST", msgs, {"json": {"kind": "card", "title": "\x00", "text": "x"}}),
        ("POST", msgs, {"content": b"not json", "headers": {"content-type": "application/json"}}),
        ("POST", msgs, {"json": {"text": 5}}),
        ("POST", msgs, {"json": ["text"]}),
        ("PATCH", alice.org(f"/conversations/{g['id']}"), {"json": {"name": "a\x00"}}),
        ("PATCH", alice.org(f"/conversations/{g['id']}"), {"json": {"notice": "\x00"}}),
        ("GET", alice.org("/messages/search"), {"params": {"q": "\x00"}}),
    ]
    assert await _codes(alice, calls) == [(422, "validation_error")] * len(calls)
    assert (await bob.get(bob.org(f"/conversations/{d['id']}/messages")))["items"] == []
    shown = await bob.get(bob.org(f"/conversations/{g['id']}"))
    assert (shown["name"], shown["notice"]) == (g["name"], "")


async def test_chat_errors_speak_chinese_to_the_web_client(cast):
    alice, bob = cast["alice"], cast["bob"]
    d = await direct(alice, bob)
    zh = {"accept-language": "zh-CN"}
    r = await alice.post(alice.org(f"/conversations/{d['id']}/messages"), json={"text": " "}, headers=zh, expect=400)
    assert r == {"code": "message_empty", "message": "消息不能为空"}
    r = await bob.post(bob.org("/conversations/999/messages"), json={"text": "x"}, headers=zh, expect=404)
    assert r["message"] == "会话不存在或你不在其中"
