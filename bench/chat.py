"""Chat benchmark: throughput, fan-out latency, read receipts, resume and memory of a running
Tack server on SQLite, with real WebSocket clients. Prints JSON.

    .venv/bin/python bench/chat.py [--members 10000] [--only fanout,throughput,...] [--duration 10]

Setup: one organization, `--members` members imported with `tack member import` (so the
all-staff group 全员群 has them all: it is the 10,000-member group), sessions issued straight
into the database (signing 10,000 people in through argon2 would take minutes and measure
nothing of chat), then `tack serve` pinned to core 0 while this generator runs on core 1.

Every receiver is a real WebSocket client of the gateway (register → snapshot → socket). A
message's text carries the sender's clock (`t=<monotonic>`), so latency is receipt time minus
send time in this one process. "Seen by every member" is the latest receipt among all
receivers of a message. Lost and duplicated deliveries are counted by (conversation, seq).
The server's CPU time (from /proc) over each phase, divided by deliveries, gives the CPU per
delivery; the generator's own CPU is reported too, to tell when it, not the server, set the
limit (then the latency figures are the generator's as much as the server's).
"""

import argparse
import asyncio
import csv
import gc
import json
import os
import re
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import httpx
import psutil
import websockets
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from tack.core.clock import utc_now
from tack.core.tokens import hash_token
from tack.directory.models import Account, AuthSession, Member

BIN = Path(sys.executable).parent
TEXT_CLOCK = re.compile(rb't=(\d+\.\d+)')
SEQ = re.compile(rb'"conversation_id":(\d+),"seq":(\d+)')


def _taskset(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 2)


def cpu_seconds(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def run_cli(args: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run([str(BIN / "tack"), *args, "--json"], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


# --- the organization and its sessions ---------------------------------------------------------


def make_org(work: Path, env: dict[str, str], members: int) -> dict:
    org = run_cli(["org", "create", "--name", "基准聊天公司", "--owner-name", "管理员", "--owner-phone", "13700000000",
                   "--owner-password", "bench-password"], env)
    sheet = work / "members.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "手机号", "部门"])
        for i in range(members):
            w.writerow([f"成员{i:05d}", f"139{i:08d}", f"部门{i % 20:02d}"])
    subprocess.run([str(BIN / "tack"), "member", "import", "--org", str(org["org_id"]), str(sheet), "--json"],
                   capture_output=True, text=True, env=env, check=True)
    # Sessions straight into the table (the bench's shortcut past argon2), hashed as the server
    # stores them: member id → bearer token.
    engine = create_engine(f"sqlite:///{work / 'data' / 'tack.db'}")
    tokens: dict[int, str] = {}
    with Session(engine) as session:
        # Imported members have no account until they first sign in; give each one.
        members = session.scalars(select(Member).where(Member.org_id == org["org_id"])).all()
        for member in members:
            if member.account_id is None:
                account = Account(name=member.name, phone=member.phone)
                session.add(account)
                session.flush()
                member.account_id = account.id
        expires = utc_now() + timedelta(days=1)
        for member in members:
            token = secrets.token_urlsafe(32)
            tokens[member.id] = token
            session.add(AuthSession(account_id=member.account_id, token_hash=hash_token(token), expires_at=expires))
        session.commit()
    engine.dispose()
    return {"org_id": org["org_id"], "tokens": tokens}


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(Path(self.env["TACK_DATA_DIR"]).parent / "server.log", "ab")  # noqa: SIM115 (lives with the server)
        self.proc = subprocess.Popen([*_taskset(0), str(BIN / "tack"), "serve", "--port", str(self.port)], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while True:
            try:
                httpx.get(self.base + "/api/docs", timeout=1)  # ready; cheap (the OpenAPI document is built on demand)
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.proc.kill()
                    raise RuntimeError("server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(20)
            self.proc = None

    @property
    def pid(self) -> int:
        assert self.proc
        return self.proc.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def system_cpu(self) -> float:
        """The kernel's share (socket writes, and on loopback the peer's receive path too)."""
        return psutil.Process(self.pid).cpu_times().system

    def rss_mb(self) -> float:
        return round(psutil.Process(self.pid).memory_info().rss / 2**20, 1)


# --- clients -------------------------------------------------------------------------------------


class Receiver:
    """One member's realtime client: registers, holds a socket, records every message event."""

    def __init__(self, server: Server, org_id: int, member_id: int, token: str, book: "Book") -> None:
        self.server, self.org_id, self.member_id, self.token, self.book = server, org_id, member_id, token, book
        self.queue_id = ""
        self.last_id = 0
        self.ws: websockets.ClientConnection | None = None
        self.task: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()
        self.pending: dict[int, asyncio.Future[bytes]] = {}  # socket send frames awaiting their ack

    async def register(self, http: "httpx.AsyncClient | RawHTTP") -> None:
        if isinstance(http, RawHTTP):
            status, body = await http.post_json(
                "/api/v1/realtime/register", {"org_id": self.org_id}, {"authorization": f"Bearer {self.token}"})
            if status >= 400:
                raise RuntimeError(f"register: HTTP {status} {body[:200]!r}")
            answer = json.loads(body)
            self.queue_id, self.last_id = answer["queue_id"], answer["last_event_id"]
            return
        for attempt in range(5):
            try:
                r = await http.post(f"{self.server.base}/api/v1/realtime/register", json={"org_id": self.org_id},
                                    headers={"authorization": f"Bearer {self.token}"})
                if r.status_code != 503:
                    break
            except httpx.TransportError:
                # A kept-alive connection the server closed while idle: a client retries.
                if attempt == 4:
                    raise
            await asyncio.sleep(0.2 * (attempt + 1))
        r.raise_for_status()
        body = r.json()
        self.queue_id, self.last_id = body["queue_id"], body["last_event_id"]

    async def connect(self) -> None:
        url = (f"ws://127.0.0.1:{self.server.port}/api/v1/realtime/ws?queue_id={self.queue_id}"
               f"&last_event_id={self.last_id}&token={self.token}")
        self.ws = await websockets.connect(url, compression=None, max_size=None, ping_interval=None, open_timeout=60)
        self.closed = asyncio.Event()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws
        try:
            async for frame in self.ws:
                now = time.monotonic()
                data = frame if isinstance(frame, bytes) else frame.encode()
                if not data.startswith(b'{"id":'):
                    if self.pending and (data.startswith(b'{"type":"ack"') or data.startswith(b'{"type":"error"')):
                        ref = json.loads(data).get("ref")
                        waiter = self.pending.pop(ref, None)
                        if waiter is not None and not waiter.done():
                            waiter.set_result(data)
                    continue
                event_id = int(data[6:data.index(b",", 6)])
                if event_id != self.last_id + 1:
                    self.book.gaps += 1
                self.last_id = event_id
                if b'"type":"message","op":"add"' in data[:120]:
                    self.book.seen(self.member_id, data, now)
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed.set()

    async def close(self) -> None:
        if self.ws:
            await self.ws.close()
        if self.task:
            await self.task


class RawHTTP:
    """A minimal HTTP/1.1 client for the registers of thousands of clients: kept-alive
    connections (at most `size`), Content-Length bodies (what the server sends for JSON).

    Why: on the generator's one core httpx cost ~2-10 ms of CPU per register (more than the
    server's own work), so the restart phase measured httpx. The bytes on the wire are an
    ordinary request; the server cannot tell the difference."""

    KEEP_ALIVE_S = 4.0

    def __init__(self, host: str, port: int, size: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.slots = asyncio.Semaphore(size)
        self.retries = 0

    async def post_json(self, path: str, body: dict, headers: dict[str, str]) -> tuple[int, bytes]:
        data = json.dumps(body).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (f"POST {path} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\ncontent-type: application/json\r\n"
                   f"content-length: {len(data)}\r\n{head}\r\n").encode() + data
        async with self.slots:
            for attempt in range(3):
                reader, writer = await self._connection(reuse=attempt == 0)
                try:
                    writer.write(request)
                    status_line = await reader.readuntil(b"\r\n")
                    raw_headers = await reader.readuntil(b"\r\n\r\n")
                    length = 0
                    for line in raw_headers.split(b"\r\n"):
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    payload = await reader.readexactly(length)
                except (OSError, asyncio.IncompleteReadError):
                    # A kept-alive connection the server closed while idle (or a reset under
                    # load): a client retries on a new connection (registering is safe to repeat).
                    writer.close()
                    self.retries += 1
                    if attempt == 2:
                        raise
                    continue
                self.idle.append((reader, writer, time.monotonic()))
                return int(status_line.split()[1]), payload
        raise AssertionError("unreachable")

    async def _connection(self, *, reuse: bool) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while reuse and self.idle:
            reader, writer, since = self.idle.pop()
            if time.monotonic() - since < self.KEEP_ALIVE_S:
                return reader, writer
            writer.close()  # the server may have closed it (uvicorn keeps idle ones 5 s)
        return await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        for _, writer, _ in self.idle:
            writer.close()
        self.idle.clear()


class Book:
    """Every delivery, for latency and for lost / duplicated counts."""

    def __init__(self) -> None:
        self.first: dict[tuple[int, int], float] = {}   # (conversation, seq) → send time
        self.last_seen: dict[tuple[int, int], float] = {}
        self.got: dict[tuple[int, int], set[int]] = defaultdict(set)
        self.latencies: list[float] = []
        self.duplicates = 0
        self.gaps = 0
        self.deliveries = 0

    def seen(self, member_id: int, data: bytes, now: float) -> None:
        m = SEQ.search(data)
        c = TEXT_CLOCK.search(data)
        if not m or not c:
            return
        key = (int(m.group(1)), int(m.group(2)))
        sent = float(c.group(1))
        members = self.got[key]
        if member_id in members:
            self.duplicates += 1
            return
        members.add(member_id)
        self.deliveries += 1
        self.latencies.append((now - sent) * 1000)
        self.first.setdefault(key, sent)
        self.last_seen[key] = max(self.last_seen.get(key, 0.0), now)

    def summary(self, expected_per_message: int, messages: int) -> dict:
        lost = sum(max(0, expected_per_message - len(v)) for v in self.got.values()) + \
            max(0, messages - len(self.got)) * expected_per_message
        all_seen = [(self.last_seen[k] - self.first[k]) * 1000 for k in self.last_seen]
        return {
            "messages": messages, "deliveries": self.deliveries,
            "lost": lost, "duplicated": self.duplicates, "out_of_order_or_gap": self.gaps,
            "delivery_p50_ms": pct(self.latencies, 0.5), "delivery_p99_ms": pct(self.latencies, 0.99),
            "seen_by_all_p50_ms": pct(all_seen, 0.5), "seen_by_all_p99_ms": pct(all_seen, 0.99),
            "seen_by_all_max_ms": round(max(all_seen), 2) if all_seen else None,
        }


async def connect_all(server: Server, org_id: int, members: list[int], tokens: dict[int, str], book: Book,
                      concurrency: int = 50) -> list[Receiver]:
    receivers = [Receiver(server, org_id, m, tokens[m], book) for m in members]
    sem = asyncio.Semaphore(concurrency)
    http = RawHTTP("127.0.0.1", server.port, concurrency)

    async def one(r: Receiver) -> None:
        async with sem:
            await r.register(http)
            await r.connect()
    try:
        await asyncio.gather(*(one(r) for r in receivers))
    finally:
        await http.close()
    return receivers


async def close_all(receivers: list[Receiver]) -> None:
    await asyncio.gather(*(r.close() for r in receivers), return_exceptions=True)


async def create_group(http: httpx.AsyncClient, org_id: int, owner_token: str, member_ids: list[int], name: str) -> int:
    r = await http.post(f"/api/v1/orgs/{org_id}/conversations", json={"name": name, "member_ids": member_ids},
                        headers={"authorization": f"Bearer {owner_token}"})
    r.raise_for_status()
    return r.json()["id"]


async def send_at_rate(http: httpx.AsyncClient, org_id: int, conversation_id: int, tokens: list[str], rate: float,
                       duration: float, concurrency: int, sockets: list[Receiver] | None = None) -> dict:
    """Sends `rate` msgs/s for `duration` s (or as fast as it can when rate is 0), with up to
    `concurrency` requests in flight, round-robin over the senders' tokens; with `sockets`,
    as {"op":"send"} frames over the senders' own realtime sockets (acked after commit)
    instead of HTTP POSTs."""
    total = int(rate * duration) if rate else 10**9
    sent = 0
    errors = 0
    sem = asyncio.Semaphore(concurrency)
    start = time.monotonic()
    tasks: set[asyncio.Task[None]] = set()

    async def one_ws(i: int) -> None:
        nonlocal errors
        try:
            rc = sockets[i % len(sockets)]  # type: ignore[index]
            waiter = asyncio.get_running_loop().create_future()
            rc.pending[i] = waiter
            assert rc.ws
            await rc.ws.send(json.dumps({
                "op": "send", "ref": i, "conversation_id": conversation_id,
                "message": {"text": f"基准消息 {i} t={time.monotonic():.6f}", "client_msg_id": f"b{i}-{secrets.token_hex(4)}"},
            }, ensure_ascii=False))
            answer = await asyncio.wait_for(waiter, 60)
            if not answer.startswith(b'{"type":"ack"'):
                errors += 1
        except (TimeoutError, websockets.ConnectionClosed):
            errors += 1
        finally:
            sem.release()

    async def one(i: int) -> None:
        nonlocal errors
        try:
            r = await http.post(
                f"/api/v1/orgs/{org_id}/conversations/{conversation_id}/messages",
                json={"text": f"基准消息 {i} t={time.monotonic():.6f}", "client_msg_id": f"b{i}-{secrets.token_hex(4)}"},
                headers={"authorization": f"Bearer {tokens[i % len(tokens)]}"},
            )
            if r.status_code != 201:
                errors += 1
        finally:
            sem.release()

    while sent < total:
        now = time.monotonic()
        if now - start >= duration:
            break
        if rate:
            due = start + sent / rate
            if due > now:
                await asyncio.sleep(due - now)
        await sem.acquire()
        task = asyncio.create_task(one_ws(sent) if sockets else one(sent))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        sent += 1
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - start
    return {"sent": sent, "errors": errors, "elapsed_s": round(elapsed, 2), "msgs_per_s": round(sent / elapsed, 1)}


async def drain(book: Book, expected: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while book.deliveries + book.duplicates < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


async def phase_messages(server: Server, org: dict, group_size: int, senders: int, rate: float, duration: float,
                         concurrency: int, label: str, via: str = "http", py_spy: str | None = None) -> dict:
    tokens = org["tokens"]
    ids = sorted(tokens)
    owner = ids[0]
    members = ids[:group_size]
    book = Book()
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        conversation_id = await create_group(http, org["org_id"], tokens[owner], members[1:], f"{label}")
        receivers = await connect_all(server, org["org_id"], members, tokens, book)
        gc.collect()
        spy = profile(server, py_spy)
        cpu0, own0, sys0 = server.cpu(), own_cpu(), server.system_cpu()
        by_member = {r.member_id: r for r in receivers}
        sockets = [by_member[m] for m in members[:senders]] if via == "ws" else None
        sent = await send_at_rate(http, org["org_id"], conversation_id, [tokens[m] for m in members[:senders]], rate,
                                  duration, concurrency, sockets)
        await drain(book, sent["sent"] * len(members))
        cpu1, own1, sys1 = server.cpu(), own_cpu(), server.system_cpu()
        stop_profile(spy)
        await close_all(receivers)
    wall = sent["elapsed_s"]
    summary = book.summary(len(members), sent["sent"] - sent["errors"])
    deliveries = max(1, summary["deliveries"])
    return {
        "group_size": group_size, "senders": senders, "send_via": via, "target_rate": rate or "max",
        "in_flight": concurrency,
        **sent, **summary,
        "deliveries_per_s": round(summary["deliveries"] / wall, 1),
        "server_cpu_pct": round((cpu1 - cpu0) / wall * 100, 1),
        "server_cpu_us_per_delivery": round((cpu1 - cpu0) * 1e6 / deliveries, 1),
        "server_cpu_us_per_message": round((cpu1 - cpu0) * 1e6 / max(1, sent["sent"]), 1),
        "server_cpu_system_share": round((sys1 - sys0) / max(1e-9, cpu1 - cpu0), 2),
        "generator_cpu_pct": round((own1 - own0) / wall * 100, 1),
    }


async def phase_big_group(server: Server, org: dict, messages: int) -> dict:
    """One message at a time into the all-staff group (every member), every member connected."""
    tokens = org["tokens"]
    ids = sorted(tokens)
    book = Book()
    t0 = time.monotonic()
    receivers = await connect_all(server, org["org_id"], ids, tokens, book, concurrency=100)
    connect_s = time.monotonic() - t0
    rss = server.rss_mb()
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        owner_h = {"authorization": f"Bearer {tokens[ids[0]]}"}
        convs = (await http.get(f"/api/v1/orgs/{org['org_id']}/conversations", headers=owner_h)).json()["items"]
        all_staff = next(c for c in convs if c.get("managed") == "all_staff")
        results = []
        cpu0 = server.cpu()
        for i in range(messages):
            before = book.deliveries
            r = await http.post(f"/api/v1/orgs/{org['org_id']}/conversations/{all_staff['id']}/messages",
                                json={"text": f"全员通知 {i} t={time.monotonic():.6f}"}, headers=owner_h)
            r.raise_for_status()
            await drain(book, before + len(ids))
        cpu1 = server.cpu()
        for key, last in book.last_seen.items():
            results.append((last - book.first[key]) * 1000)
    summary = book.summary(len(ids), messages)
    await close_all(receivers)
    return {
        "members_connected": len(ids), "connect_all_s": round(connect_s, 1), "server_rss_mb_connected": rss,
        "last_member_ms": [round(x, 1) for x in results], **summary,
        "server_cpu_us_per_delivery": round((cpu1 - cpu0) * 1e6 / max(1, summary["deliveries"]), 1),
    }


async def phase_memory(server: Server, org: dict, sockets: int) -> dict:
    """RSS with no sockets, with half of them and with all of them connected (idle, authenticated,
    registered). Per socket is the slope between the half and the whole, so one-time growth
    (connection pools, caches warming up) is not charged to sockets."""
    tokens = org["tokens"]
    ids = sorted(tokens)[:sockets]
    half = len(ids) // 2
    await asyncio.sleep(1)
    rss0 = server.rss_mb()
    book = Book()
    first = await connect_all(server, org["org_id"], ids[:half], tokens, book, concurrency=100)
    await asyncio.sleep(3)
    rss_half = server.rss_mb()
    second = await connect_all(server, org["org_id"], ids[half:], tokens, book, concurrency=100)
    await asyncio.sleep(3)
    rss1 = server.rss_mb()
    await close_all(first + second)
    return {"sockets": len(ids), "rss_before_mb": rss0, "rss_half_mb": rss_half, "rss_after_mb": rss1,
            "kb_per_socket_overall": round((rss1 - rss0) * 1024 / len(ids), 1),
            "kb_per_socket_slope": round((rss1 - rss_half) * 1024 / (len(ids) - half), 1)}


async def timed_requests(make: list, concurrency: int) -> tuple[list[float], int, float]:
    """Runs the request coroutines `make` (callables) with `concurrency` in flight: latencies
    in ms, errors, wall seconds."""
    sem = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    errors = 0

    async def one(call) -> None:  # type: ignore[no-untyped-def]
        nonlocal errors
        async with sem:
            t = time.monotonic()
            for attempt in range(3):
                try:
                    r = await call()
                    break
                except httpx.TransportError:
                    # A kept-alive connection the server closed while idle: a client retries
                    # (every request timed here is safe to repeat).
                    if attempt == 2:
                        raise
            latencies.append((time.monotonic() - t) * 1000)
            if r.status_code >= 400:
                errors += 1

    t0 = time.monotonic()
    await asyncio.gather(*(one(c) for c in make))
    return latencies, errors, time.monotonic() - t0


async def all_staff_id(http: httpx.AsyncClient, org_id: int, token: str) -> int:
    convs = (await http.get(f"/api/v1/orgs/{org_id}/conversations", headers={"authorization": f"Bearer {token}"})).json()
    return next(c["id"] for c in convs["items"] if c.get("managed") == "all_staff")


async def phase_receipts(server: Server, org: dict, marks: int, lookups: int, *, via_http: bool = True) -> dict:
    """Read marks into the all-staff group over HTTP; then, as the sender, the unread count and
    the first 100 "not read by" names of a message that half the group has read.

    With via_http=False (`--only lookups`) the marks are written straight into the database
    (the bench's shortcut, as for sessions) so the lookups can be measured alone."""
    tokens = org["tokens"]
    ids = sorted(tokens)
    org_id = org["org_id"]
    owner_h = {"authorization": f"Bearer {tokens[ids[0]]}"}
    out: dict = {"group_size": len(ids)}
    async with httpx.AsyncClient(base_url=server.base, timeout=60, limits=httpx.Limits(max_connections=32)) as http:
        conv = await all_staff_id(http, org_id, tokens[ids[0]])
        msg = (await http.post(f"/api/v1/orgs/{org_id}/conversations/{conv}/messages", json={"text": "请大家阅读"},
                               headers=owner_h)).json()
        readers = ids[1:1 + min(marks, len(ids) // 2)]
        out["read_marks"] = len(readers)
        if via_http:
            url = f"/api/v1/orgs/{org_id}/conversations/{conv}/read"
            calls = [lambda m=m: http.post(url, json={"seq": msg["seq"]}, headers={"authorization": f"Bearer {tokens[m]}"})
                     for m in readers]
            cpu0 = server.cpu()
            lat, errors, wall = await timed_requests(calls, 32)
            cpu1 = server.cpu()
            out.update({"errors": errors, "marks_per_s": round(len(readers) / wall, 1),
                        "ack_p50_ms": pct(lat, 0.5), "ack_p99_ms": pct(lat, 0.99),
                        "server_cpu_us_per_mark": round((cpu1 - cpu0) * 1e6 / max(1, len(readers)), 1)})
        else:
            mark_pointers_in_db(server, conv, readers, msg["seq"])
        base = f"/api/v1/orgs/{org_id}/conversations/{conv}/messages/{msg['id']}"
        for _ in range(10):  # warm the connection and the server's statement caches
            await http.get(base + "/unread_count", headers=owner_h)
            await http.get(base + "/receipts", params={"state": "unread", "limit": 100}, headers=owner_h)
        cpu0 = server.cpu()
        count_lat, count_err, _ = await timed_requests(
            [lambda: http.get(base + "/unread_count", headers=owner_h) for _ in range(lookups)], 1)
        cpu1 = server.cpu()
        names_lat, names_err, _ = await timed_requests(
            [lambda: http.get(base + "/receipts", params={"state": "unread", "limit": 100}, headers=owner_h)
             for _ in range(lookups)], 1)
        cpu2 = server.cpu()
        check = (await http.get(base + "/unread_count", headers=owner_h)).json()
    out.update({
        "unread_after": check["unread_count"], "unread_expected": len(ids) - 1 - len(readers),
        "unread_count_p50_ms": pct(count_lat, 0.5), "unread_count_p99_ms": pct(count_lat, 0.99),
        "server_cpu_us_per_unread_count": round((cpu1 - cpu0) * 1e6 / max(1, lookups), 1),
        "not_read_by_100_p50_ms": pct(names_lat, 0.5), "not_read_by_100_p99_ms": pct(names_lat, 0.99),
        "server_cpu_us_per_not_read_by_100": round((cpu2 - cpu1) * 1e6 / max(1, lookups), 1),
        "lookup_errors": count_err + names_err,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    })
    return out


def mark_pointers_in_db(server: Server, conversation_id: int, member_ids: list[int], seq: int) -> None:
    """Moves the given members' read pointers to `seq` in one UPDATE on the server's SQLite
    file (WAL: the running server sees it on its next read)."""
    engine = create_engine(f"sqlite:///{Path(server.env['TACK_DATA_DIR']) / 'tack.db'}",
                           connect_args={"timeout": 30})
    with engine.begin() as db:
        for start in range(0, len(member_ids), 500):
            db.execute(text("UPDATE chat_conversation_member SET last_read_seq = :seq "
                            "WHERE conversation_id = :c AND member_id IN (" +
                            ",".join(str(int(m)) for m in member_ids[start:start + 500]) + ") AND last_read_seq < :seq"),
                       {"seq": seq, "c": conversation_id})
    engine.dispose()


async def phase_read_marks(server: Server, org: dict, sockets: int, per_socket: int, py_spy: str | None = None) -> dict:
    """Read marks as clients send them: `sockets` members of the all-staff group each hold a
    realtime socket and mark `per_socket` new messages read, one {"op":"read"} frame after
    another (each waits for its ack, which comes after COMMIT). All readers at once."""
    tokens = org["tokens"]
    ids = sorted(tokens)
    org_id = org["org_id"]
    owner_h = {"authorization": f"Bearer {tokens[ids[0]]}"}
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        conv = await all_staff_id(http, org_id, tokens[ids[0]])
        seqs = []
        for k in range(per_socket):
            r = await http.post(f"/api/v1/orgs/{org_id}/conversations/{conv}/messages", json={"text": f"请阅读 {k}"},
                                headers=owner_h)
            seqs.append(r.json()["seq"])
        last_id = r.json()["id"]
    readers = ids[1:1 + min(sockets, len(ids) - 1)]
    receivers = await connect_all(server, org_id, readers, tokens, Book())
    lat: list[float] = []
    errors = 0

    async def read_all(rc: Receiver) -> None:
        nonlocal errors
        assert rc.ws
        for k, seq in enumerate(seqs):
            waiter = asyncio.get_running_loop().create_future()
            rc.pending[k] = waiter
            t0 = time.monotonic()
            await rc.ws.send(json.dumps({"op": "read", "ref": k, "conversation_id": conv, "seq": seq}))
            answer = await asyncio.wait_for(waiter, 60)
            lat.append((time.monotonic() - t0) * 1000)
            if not answer.startswith(b'{"type":"ack"'):
                errors += 1

    gc.collect()
    spy = profile(server, py_spy)
    cpu0, own0, t0 = server.cpu(), own_cpu(), time.monotonic()
    await asyncio.gather(*(read_all(rc) for rc in receivers))
    wall = time.monotonic() - t0
    cpu1, own1 = server.cpu(), own_cpu()
    stop_profile(spy)
    await close_all(receivers)
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        check = (await http.get(f"/api/v1/orgs/{org_id}/conversations/{conv}/messages/{last_id}/unread_count",
                                headers=owner_h)).json()
    marks = len(receivers) * len(seqs)
    return {
        "group_size": len(ids), "sockets": len(receivers), "marks_per_socket": len(seqs), "read_marks": marks,
        "errors": errors, "marks_per_s": round(marks / wall, 1),
        "ack_p50_ms": pct(lat, 0.5), "ack_p99_ms": pct(lat, 0.99),
        "server_cpu_pct": round((cpu1 - cpu0) / wall * 100, 1),
        "server_cpu_us_per_mark": round((cpu1 - cpu0) * 1e6 / max(1, marks), 1),
        "generator_cpu_pct": round((own1 - own0) / wall * 100, 1),
        "unread_after": check["unread_count"], "unread_expected": len(ids) - 1 - len(receivers),
    }


async def phase_read_marks_at_rate(server: Server, org: dict, sockets: int, rate: float, duration: float,
                                   py_spy: str | None = None) -> dict:
    """Read marks offered at a fixed rate (open loop), as a crowd of readers makes them: `sockets`
    members of the all-staff group each mark the next new message read every sockets/rate
    seconds, at evenly spread phases, whether or not their last ack has come (a socket may
    pipeline). The ack latency is then what the server adds at that load, not what a fixed
    number of clients waiting on each other would make it (see phase_read_marks)."""
    tokens = org["tokens"]
    ids = sorted(tokens)
    org_id = org["org_id"]
    owner_h = {"authorization": f"Bearer {tokens[ids[0]]}"}
    readers = ids[1:1 + min(sockets, len(ids) - 1)]
    per_socket = max(1, round(rate * duration / len(readers)))
    interval = len(readers) / rate
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        conv = await all_staff_id(http, org_id, tokens[ids[0]])
        seqs = []
        for k in range(per_socket):
            r = await http.post(f"/api/v1/orgs/{org_id}/conversations/{conv}/messages", json={"text": f"按节奏阅读 {k}"},
                                headers=owner_h)
            seqs.append(r.json()["seq"])
    receivers = await connect_all(server, org_id, readers, tokens, Book())
    lat: list[float] = []
    behind: list[float] = []  # how late the generator sent each mark (it is the limit when this grows)
    errors = 0
    loop = asyncio.get_running_loop()

    async def read_all(rc: Receiver, phase: float, start: float) -> None:
        nonlocal errors
        assert rc.ws
        waiters = []
        for k, seq in enumerate(seqs):
            due = start + phase + k * interval
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            behind.append((loop.time() - due) * 1000)
            waiter = loop.create_future()
            rc.pending[k] = waiter
            sent = time.monotonic()
            waiter.add_done_callback(lambda _f, sent=sent: lat.append((time.monotonic() - sent) * 1000))
            await rc.ws.send(json.dumps({"op": "read", "ref": k, "conversation_id": conv, "seq": seq}))
            waiters.append(waiter)
        for answer in await asyncio.wait_for(asyncio.gather(*waiters), 120):
            if not answer.startswith(b'{"type":"ack"'):
                errors += 1

    gc.collect()
    start = loop.time() + 0.2
    spy = profile(server, py_spy)
    cpu0, own0, t0 = server.cpu(), own_cpu(), time.monotonic()
    await asyncio.gather(*(read_all(rc, n * interval / len(receivers), start) for n, rc in enumerate(receivers)))
    wall = time.monotonic() - t0
    cpu1, own1 = server.cpu(), own_cpu()
    stop_profile(spy)
    await close_all(receivers)
    marks = len(receivers) * len(seqs)
    return {
        "group_size": len(ids), "sockets": len(receivers), "offered_per_s": rate, "read_marks": marks, "errors": errors,
        "marks_per_s": round(marks / (wall - 0.2), 1), "ack_p50_ms": pct(lat, 0.5), "ack_p99_ms": pct(lat, 0.99),
        "ack_max_ms": round(max(lat), 1), "generator_behind_p99_ms": pct(behind, 0.99),
        "server_cpu_pct": round((cpu1 - cpu0) / wall * 100, 1),
        "server_cpu_us_per_mark": round((cpu1 - cpu0) * 1e6 / max(1, marks), 1),
        "generator_cpu_pct": round((own1 - own0) / wall * 100, 1),
    }


async def phase_resume_missed(server: Server, org: dict, clients: int, missed: int) -> dict:
    """`clients` sockets drop, `missed` messages are sent meanwhile, then they reconnect with
    their last event id: time until each has every missed event, in order. Twice: all of
    them at once, then (after `missed` more) one after another. At once, the generator's
    one core parses every client's frames (websockets, ~15 µs a frame: 20 × 1,000 frames
    is ~0.3 s of its CPU), so that figure is the generator's as much as the server's; one
    at a time, each resume is timed alone."""
    tokens = org["tokens"]
    ids = sorted(tokens)
    book = Book()
    result: dict = {"clients": clients, "missed_events_each": missed}
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        members = ids[:clients]
        conv = await create_group(http, org["org_id"], tokens[ids[0]], members[1:], "续传")
        receivers = await connect_all(server, org["org_id"], members, tokens, book)
        sender_h = {"authorization": f"Bearer {tokens[ids[0]]}"}
        send_errors = 0
        fewest = missed
        for mode in ("at_once", "one_at_a_time"):
            await close_all(receivers)
            _lat, errors, _wall = await timed_requests([lambda i=i: http.post(
                f"/api/v1/orgs/{org['org_id']}/conversations/{conv}/messages",
                json={"text": f"离线消息 {mode} {i} t={time.monotonic():.6f}"}, headers=sender_h) for i in range(missed)], 8)
            send_errors += errors
            before = {r.member_id: r.last_id for r in receivers}
            times: list[float] = []

            async def resume(r: Receiver) -> None:
                t = time.monotonic()
                await r.connect()
                deadline = t + 60
                while r.last_id < before[r.member_id] + missed and not r.closed.is_set() and time.monotonic() < deadline:
                    await asyncio.sleep(0.002)
                times.append((time.monotonic() - t) * 1000)

            cpu0, gen0 = server.cpu(), own_cpu()
            if mode == "at_once":
                await asyncio.gather(*(resume(r) for r in receivers))
            else:
                for r in receivers:
                    await resume(r)
            cpu1, gen1 = server.cpu(), own_cpu()
            fewest = min(fewest, *(r.last_id - before[r.member_id] for r in receivers))
            result[mode] = {
                "resume_p50_ms": pct(times, 0.5), "resume_p99_ms": pct(times, 0.99),
                "server_cpu_ms_per_resume": round((cpu1 - cpu0) * 1000 / clients, 2),
                "generator_cpu_ms_per_resume": round((gen1 - gen0) * 1000 / clients, 2),
            }
        await close_all(receivers)
    delivered = {k: len(v) for k, v in book.got.items()}
    result.update({
        "send_errors": send_errors, "events_after_resume_min": fewest,
        "lost": sum(max(0, clients - n) for n in delivered.values()) + max(0, 2 * missed - len(delivered)) * clients,
        "duplicated": book.duplicates, "out_of_order_or_gap": book.gaps,
    })
    return result


PY_SPY_RATE = 200  # samples per second (--py-spy-rate)


def profile(server: Server, out: str | None) -> subprocess.Popen | None:
    """py-spy on the server (raw output to `out`) until the caller sends it SIGINT."""
    if not out:
        return None
    spy = shutil.which("py-spy") or "/tmp/pyspy/bin/py-spy"
    return subprocess.Popen([spy, "record", "-p", str(server.pid), "-o", out, "-f", "raw", "-r", str(PY_SPY_RATE), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profile(spy: subprocess.Popen | None) -> None:
    if spy is not None:
        spy.send_signal(2)
        spy.wait(30)


async def phase_restart(server: Server, org: dict, clients: int, py_spy: str | None = None) -> dict:
    """`clients` sockets connected; the server restarts; each client does what the web client
    does: its queue is gone (4404), so it registers again (fresh snapshot), checks the
    snapshot's last seq against the last message it saw, fetches what it missed, and
    reconnects. Then one more message must reach every one of them exactly once."""
    tokens = org["tokens"]
    ids = sorted(tokens)[:clients]
    org_id = org["org_id"]
    book = Book()
    receivers = await connect_all(server, org_id, ids, tokens, book, concurrency=100)
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        conv = await all_staff_id(http, org_id, tokens[ids[0]])
        owner_h = {"authorization": f"Bearer {tokens[ids[0]]}"}
        r = await http.post(f"/api/v1/orgs/{org_id}/conversations/{conv}/messages",
                            json={"text": f"重启前 t={time.monotonic():.6f}"}, headers=owner_h)
        last_seq = r.json()["seq"]
        await drain(book, len(ids))
    server.stop()
    await asyncio.gather(*(r.closed.wait() for r in receivers))
    server.start()
    spy = profile(server, py_spy)
    t0 = time.monotonic()
    cpu0, gen0 = server.cpu(), own_cpu()
    http = RawHTTP("127.0.0.1", server.port, 100)
    sem = asyncio.Semaphore(100)
    reg_ms: list[float] = []
    conn_ms: list[float] = []

    async def again(rc: Receiver) -> None:
        async with sem:
            t = time.monotonic()
            await rc.register(http)
            reg_ms.append((time.monotonic() - t) * 1000)
            t = time.monotonic()
            await rc.connect()
            conn_ms.append((time.monotonic() - t) * 1000)
    try:
        await asyncio.gather(*(again(rc) for rc in receivers))
    finally:
        await http.close()
    resumed_s = time.monotonic() - t0
    cpu1, gen1 = server.cpu(), own_cpu()
    stop_profile(spy)
    book2 = Book()
    for rc in receivers:
        rc.book = book2
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as http:
        r = await http.post(f"/api/v1/orgs/{org_id}/conversations/{conv}/messages",
                            json={"text": f"重启后 t={time.monotonic():.6f}"}, headers={"authorization": f"Bearer {tokens[ids[0]]}"})
        after_seq = r.json()["seq"]
        await drain(book2, len(ids))
    summary = book2.summary(len(ids), 1)
    await close_all(receivers)
    return {
        "clients": len(ids), "all_reregistered_and_connected_s": round(resumed_s, 2),
        "register_p50_ms": pct(reg_ms, 0.5), "register_p99_ms": pct(reg_ms, 0.99),
        "connect_p50_ms": pct(conn_ms, 0.5), "connect_p99_ms": pct(conn_ms, 0.99),
        # CPU over the re-registration window: the server's per client (register + socket),
        # and the generator's share of its one core (near 100 % means it set the pace).
        "server_cpu_ms_per_client": round((cpu1 - cpu0) * 1000 / len(ids), 2),
        "server_cpu_pct": round((cpu1 - cpu0) * 100 / resumed_s, 1),
        "generator_cpu_pct": round((gen1 - gen0) * 100 / resumed_s, 1),
        "seq_before": last_seq, "seq_after": after_seq,
        "after_restart_delivered": summary["deliveries"], "lost": summary["lost"], "duplicated": summary["duplicated"],
        "seen_by_all_ms": summary["seen_by_all_max_ms"],
    }


def run_limit(directory: Path, args: argparse.Namespace) -> dict:
    """The bare broadcast servers of ../shared/bench/limit (run.sh, this venv's packages) at
    500 receivers, right after the fan-out phase: their largest deliveries/s with every
    message delivered and p99 within 250 ms, to set Tack's fan-out against. Tack's server
    stays up, idle, meanwhile."""
    out = Path(tempfile.mkdtemp(prefix="tack-bench-limit-")) / "limit.jsonl"
    env = {**os.environ, "VENV": sys.prefix, "SERVERS": args.limit_servers, "NS": "500", "REPS": "1",
           "DURATION": str(min(args.duration, 5)), "QUIET_RUN": "0", "FIXED_RATE": "2"}
    subprocess.run(["bash", str(directory / "run.sh"), str(out)], env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1500)
    found: dict = {}
    for line in out.read_text().splitlines() if out.exists() else []:
        row = json.loads(line)
        if "label" not in row:
            continue
        entry = found.setdefault(row["label"].split()[0], {})
        if row["phase"] == "rss":
            entry["kb_per_conn"] = row["kb_per_conn"]
        elif row["phase"] == "fixed":
            entry["fixed_2_per_s_p99_ms"] = row["lat_ms"].get("p99")
        elif row["phase"] == "search" and row.get("pass"):
            best = entry.get("max_passing_step")
            if best is None or row["deliveries_per_s"] > best["deliveries_per_s"]:
                cpu_us = row["server_cpu_pct"] / 100 * 1e6 / max(1, row["deliveries_per_s"])
                entry["max_passing_step"] = {
                    "deliveries_per_s": row["deliveries_per_s"], "p99_ms": row["lat_ms"].get("p99"),
                    "server_cpu_pct": row["server_cpu_pct"], "server_cpu_us_per_delivery": round(cpu_us, 1),
                    "load_cpu_pct": row["load_cpu_pct"], "other_cpu_pct": row["other_cpu_pct"]}
    return found


async def main_async(args: argparse.Namespace, server: Server, org: dict, result: dict) -> None:
    only = set(args.only.split(",")) if args.only else None

    def wanted(name: str) -> bool:
        return only is None or name in only

    def note(name: str, value: object) -> None:
        result[name] = value
        print(f"{name}: {json.dumps(value, ensure_ascii=False)}", file=sys.stderr, flush=True)

    def spy(phase: str) -> str | None:
        """--py-spy-phases: where this phase's server profile goes, if it is one of them."""
        wanted_phases = set(args.py_spy_phases.split(",")) if args.py_spy_phases else set()
        return str(Path(args.py_spy_dir) / f"{phase}.txt") if phase in wanted_phases else None

    note("idle_rss_mb", server.rss_mb())
    if wanted("memory"):
        note("memory", await phase_memory(server, org, min(5000, len(org["tokens"]))))
    via = args.send_via
    if wanted("fanout"):
        note("fanout_50_at_20", await phase_messages(server, org, 50, 1, 20, args.duration, 4, "扇出50", via,
                                                     spy("fanout_50_at_20")))
        note("fanout_500_at_2", await phase_messages(server, org, 500, 1, 2, args.duration, 4, "扇出500", via,
                                                     spy("fanout_500_at_2")))
    if args.limit and wanted("fanout"):
        note("limit", run_limit(Path(args.limit), args))
    if wanted("throughput"):
        note("throughput_10", await phase_messages(server, org, 10, 1, 0, args.duration, args.in_flight, "吞吐10", via,
                                                   spy("throughput_10")))
        note("throughput_50_5_senders", await phase_messages(server, org, 50, 5, 0, args.duration, args.in_flight, "吞吐50",
                                                             via, spy("throughput_50_5_senders")))
    if wanted("receipts"):
        note("read_receipts", await phase_receipts(server, org, 5000, 300))
    elif wanted("lookups"):
        note("read_receipts", await phase_receipts(server, org, 5000, 300, via_http=False))
    if wanted("marks"):
        note("read_marks_ws", await phase_read_marks(server, org, args.mark_sockets, -(-5000 // args.mark_sockets),
                                                     spy("read_marks_ws")))
        note("read_marks_at_rate", await phase_read_marks_at_rate(server, org, args.marks_rate_sockets, args.marks_rate,
                                                                  args.duration / 2, spy("read_marks_at_rate")))
    if wanted("resume"):
        note("resume_missed_1000", await phase_resume_missed(server, org, 20, 1000))
    if wanted("big"):
        note("big_group", await phase_big_group(server, org, 3))
    if wanted("restart"):
        note("restart", await phase_restart(server, org, min(5000, len(org["tokens"])), args.py_spy))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--send-via", choices=("ws", "http"), default="ws",
                        help="messages as {op: send} frames over the sender's realtime socket (ws) or HTTP POSTs")
    parser.add_argument("--limit", default="", help="directory of the bare broadcast benchmark (../shared/bench/limit) "
                        "to run right after the fan-out phase")
    parser.add_argument("--limit-servers", default="st ws", help="which of its servers (run.sh SERVERS)")
    parser.add_argument("--in-flight", type=int, default=8,
                        help="throughput: sends in flight (unanswered) at once, over all senders")
    parser.add_argument("--mark-sockets", type=int, default=200,
                        help="marks: members marking new messages read over their sockets, 5,000 marks in all")
    parser.add_argument("--marks-rate", type=float, default=5000,
                        help="marks: then read marks offered at this fixed rate (open loop), for duration/2 seconds")
    parser.add_argument("--marks-rate-sockets", type=int, default=1000, help="marks: readers sharing that rate")
    parser.add_argument("--only", default="", help="comma list of: memory,fanout,throughput,receipts,marks,resume,big,restart "
                        "(lookups: the receipts phase's unread count and names alone, read marks written into the database)")
    parser.add_argument("--py-spy", metavar="FILE", help="profile the server while clients re-register after the "
                        "restart (py-spy raw output)")
    parser.add_argument("--py-spy-phases", default="", help="comma list of phases (their result names: fanout_50_at_20, "
                        "throughput_10, read_marks_ws, ...) to profile the server in with py-spy, raw output to "
                        "--py-spy-dir/<phase>.txt")
    parser.add_argument("--py-spy-dir", default=".", help="where --py-spy-phases profiles go")
    parser.add_argument("--py-spy-rate", type=int, default=PY_SPY_RATE, help="py-spy samples per second")
    args = parser.parse_args()
    globals()["PY_SPY_RATE"] = args.py_spy_rate
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = Path(tempfile.mkdtemp(prefix="tack-bench-chat-"))
    env = {**os.environ, "TACK_DATA_DIR": str(work / "data")}
    result: dict = {"benchmark": "chat", "members": args.members, "database": "sqlite",
                    "machine": {"cpus": os.cpu_count(), "server_core": 0 if _taskset(0) else None}}
    try:
        t0 = time.monotonic()
        org = make_org(work, env, args.members)
        result["setup_s"] = round(time.monotonic() - t0, 1)
        server = Server(env)
        server.start()
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {1})
        try:
            asyncio.run(main_async(args, server, org, result))
        finally:
            server.stop()
    except BaseException:
        print(f"kept {work} (server.log)", file=sys.stderr)
        raise
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
