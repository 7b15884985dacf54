"""DING benchmark: one DING to 5,000 members with 1,000 of them connected over WebSocket,
their confirmations, and one reminder round for 5,000 unconfirmed recipients. Prints JSON.

    .venv/bin/python bench/ding.py [--members 5000] [--connected 1000] [--remind-after 60]

Set-up (not measured): `tack org create` and `tack member import` of a CSV of 5,000 members,
then a session row for 1,000 of their accounts written straight into the database (signing
in 1,000 people would measure argon2, not DING). The server (`tack serve`, pinned to core 0
with taskset) runs with TACK_DING_MINUTE_SECONDS=1 so that a reminder "minute" is a second.
From core 1 this process registers 1,001 realtime queues (the 1,000 recipients and the
sender) and holds their WebSockets, then:

1. alert: the owner sends DING 1 to all 5,000 (in-app, no reminders). Measured from just
   before the POST until each connected recipient has read the `ding/add` frame.
2. confirm: after the DING's follow-up jobs (5,000 chat cards) are done, the 1,000 connected
   recipients confirm over HTTP, 16 at a time; the sender's socket counts the receipts.
3. reminder round: DING 2 to the same 5,000 with one reminder `--remind-after` seconds
   later (long enough for its card jobs to finish first, so the round is timed alone).
   Measured on the server from the job's started_at / finished_at and its due time, and on
   the clients until every connected one has the reminder alert.

Duplicates are counted on both sides: alerts per client per (DING, reason, round), receipts
per member, and `ding_delivery` rows per (DING, member, kind, round, channel). All must be 0.
"""

import argparse
import asyncio
import csv
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import psutil
import websockets
from sqlalchemy import func, insert, select, text, update

from tack.core.tokens import hash_token, new_token
from tack.directory.models import Account, AuthSession, Member
from tack.storage.db import make_engine
from tack.storage.jobs_table import Job

BIN = Path(sys.executable).parent
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建文斌宇浩凯佳欣怡晨阳雪琳"
PASSWORD = "bench-password"
CONFIRM_CONCURRENCY = 16


def _taskset(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def cpu_seconds(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"p50_ms": round(statistics.median(values) * 1000, 1), "p99_ms": round(percentile(values, 0.99) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1)}


def run_cli(args: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run([str(BIN / "tack"), *args, "--json"], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


def make_csv(path: Path, members: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "手机号", "部门"])
        for i in range(members):
            name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)] + GIVEN[(i * 7) % len(GIVEN)]
            w.writerow([name, f"139{i:08d}", f"部门{i % 50:02d}"])


class Client:
    """One realtime connection: registers, holds the WebSocket (resuming after a cut), and
    records when each DING frame arrived. Frames that are not about DING are skipped unparsed."""

    def __init__(self, base: str, org_id: int, token: str, member_id: int) -> None:
        self.base, self.org_id, self.token, self.member_id = base, org_id, token, member_id
        self.alerts: dict[tuple[int, str, int], list[float]] = {}
        self.removed: Counter[int] = Counter()
        self.receipts: list[tuple[int, int, float]] = []  # (ding, member, arrival)
        self.queue_id = ""
        self.last_event_id = 0
        self.reregistered = 0
        self.events: dict[tuple[int, str, int], asyncio.Event] = {}

    async def register(self, http: httpx.AsyncClient) -> None:
        r = await http.post("/api/v1/realtime/register", json={"org_id": self.org_id},
                            headers={"authorization": f"Bearer {self.token}"})
        r.raise_for_status()
        body = r.json()
        self.queue_id, self.last_event_id = body["queue_id"], body["last_event_id"]

    def waiter(self, key: tuple[int, str, int]) -> asyncio.Event:
        return self.events.setdefault(key, asyncio.Event())

    async def run(self, http: httpx.AsyncClient, connected: asyncio.Event) -> None:
        ws_base = self.base.replace("http://", "ws://")
        while True:
            url = f"{ws_base}/api/v1/realtime/ws?queue_id={self.queue_id}&last_event_id={self.last_event_id}&token={self.token}"
            try:
                async with websockets.connect(url, compression=None, max_size=None, open_timeout=60, ping_interval=None) as ws:
                    connected.set()
                    async for data in ws:
                        self.on_frame(data if isinstance(data, bytes) else data.encode())
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else 0
                if code in (4404, 4410):  # the server dropped the queue: events were lost
                    self.reregistered += 1
                    await self.register(http)
            except (OSError, asyncio.TimeoutError):
                await asyncio.sleep(0.2)

    def on_frame(self, data: bytes) -> None:
        now = time.perf_counter()
        if b'"id"' not in data[:12]:
            return  # control frames (heartbeat)
        if b'"type":"ding' not in data:
            head = data[: data.index(b",")]
            self.last_event_id = max(self.last_event_id, int(head.split(b":")[1]))
            return
        frame = json.loads(data)
        self.last_event_id = max(self.last_event_id, frame["id"])
        body = frame["data"]
        if frame["type"] == "ding" and frame["op"] == "add":
            alert = body["ding"]
            key = (alert["ding_id"], alert["reason"], alert["round"])
            self.alerts.setdefault(key, []).append(now)
            self.waiter(key).set()
        elif frame["type"] == "ding" and frame["op"] == "remove":
            self.removed[body["ding_id"]] += 1
        elif frame["type"] == "ding_receipt":
            self.receipts.append((body["receipt"]["ding_id"], body["receipt"]["member_id"], now))


async def seed_sessions(url: str, org_id: int, count: int) -> tuple[list[tuple[int, str]], list[int]]:
    """Accounts and session tokens for `count` imported members (an import makes members
    without accounts: these are the ones who have signed up), and every imported member's id."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            rows = (await conn.execute(
                select(Member.id, Member.name, Member.phone).where(Member.org_id == org_id, Member.role == "member",
                                                                   Member.phone.like("139%")).order_by(Member.id)
            )).all()
            now = datetime.now(timezone.utc)
            tokens = []
            for member_id, name, phone in rows[:count]:
                account_id = (await conn.execute(insert(Account).values(name=name, phone=phone, created_at=now)
                                                 .returning(Account.id))).scalar_one()
                await conn.execute(update(Member).where(Member.id == member_id).values(account_id=account_id))
                tokens.append((member_id, account_id, new_token()))
            await conn.execute(insert(AuthSession), [
                {"account_id": a, "token_hash": hash_token(tok), "expires_at": now + timedelta(days=1), "created_at": now}
                for _m, a, tok in tokens
            ])
        return [(m, tok) for m, _a, tok in tokens], [m for m, _n, _p in rows]
    finally:
        await engine.dispose()


async def jobs_idle(engine, names: tuple[str, ...]) -> bool:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        n = (await conn.execute(select(func.count()).select_from(Job).where(
            Job.name.in_(names), Job.status.in_(("queued", "running"))))).scalar_one()
        return n == 0


async def wait_jobs_idle(engine, names: tuple[str, ...], limit_s: float) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    while not await jobs_idle(engine, names):
        if time.perf_counter() - start > limit_s:
            raise RuntimeError(f"jobs {names} still pending after {limit_s} s")
        await asyncio.sleep(0.25)  # polling the jobs table (a measurement loop, not a test)
    return time.perf_counter() - start


async def wait_all(clients: list[Client], key: tuple[int, str, int], limit_s: float) -> int:
    """How many clients got the alert within limit_s."""
    done, _ = await asyncio.wait([asyncio.create_task(c.waiter(key).wait()) for c in clients], timeout=limit_s)
    return len(done)


def duplicates(clients: list[Client], key: tuple[int, str, int]) -> int:
    return sum(max(0, len(c.alerts.get(key, [])) - 1) for c in clients)


async def measure(args: argparse.Namespace, env: dict[str, str], base: str, server_pid: int, org_id: int,
                  db_url: str) -> dict:
    members, tokens = args.members, None
    tokens, member_ids = await seed_sessions(db_url, org_id, args.connected)
    assert len(member_ids) == members, (len(member_ids), members)
    engine = make_engine(db_url)
    limits = httpx.Limits(max_connections=CONFIRM_CONCURRENCY + 4)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        owner = (await http.post("/api/v1/auth/login", json={"login": "13700000000", "password": PASSWORD})).json()
        owner_h = {"authorization": f"Bearer {owner['token']}"}
        me = (await http.get(f"/api/v1/orgs/{org_id}", headers=owner_h)).json()
        sender = Client(base, org_id, owner["token"], me["my_member_id"])
        clients = [Client(base, org_id, tok, m) for m, tok in tokens]
        sem = asyncio.Semaphore(32)

        async def register(c: Client) -> None:
            async with sem:
                await c.register(http)

        await asyncio.gather(*(register(c) for c in [sender, *clients]))
        opened = [asyncio.Event() for _ in range(len(clients) + 1)]
        tasks = [asyncio.create_task(c.run(http, e)) for c, e in zip([sender, *clients], opened, strict=True)]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), 120)
        # Let the last handshakes settle before the clock starts.
        await asyncio.sleep(1)
        result: dict = {}

        # 1. the alert
        body = {"member_ids": member_ids, "text": "机房断电，请立即确认", "remind_every_minutes": 0, "remind_times": 0}
        cpu0 = cpu_seconds(server_pid)
        t0 = time.perf_counter()
        r = await http.post(f"/api/v1/orgs/{org_id}/dings", json=body, headers=owner_h)
        t_post = time.perf_counter() - t0
        r.raise_for_status()
        d1 = r.json()["id"]
        key1 = (d1, "send", 0)
        got = await wait_all(clients, key1, 60)
        arrivals = [c.alerts[key1][0] - t0 for c in clients if key1 in c.alerts]
        cpu_alert = cpu_seconds(server_pid) - cpu0
        result["alert"] = {
            "recipients": members, "connected": len(clients), "connected_alerted": got,
            "post_ms": round(t_post * 1000, 1),
            "until_every_connected_alerted_ms": round(max(arrivals) * 1000, 1) if arrivals else None,
            "per_client": spread(arrivals),
            "server_cpu_s_until_all_alerted": round(cpu_alert, 2),
            "duplicate_alerts": duplicates(clients, key1),
            "target": "every connected recipient alerted within 2 s",
        }
        cards_s = await wait_jobs_idle(engine, ("ding.cards",), 900)
        result["chat_cards"] = {"cards": members, "done_after_all_alerted_s": round(cards_s, 1)}

        # 2. confirmations
        confirm_sem = asyncio.Semaphore(CONFIRM_CONCURRENCY)
        latencies: list[float] = []

        async def confirm(c: Client) -> None:
            async with confirm_sem:
                start = time.perf_counter()
                rr = await http.post(f"/api/v1/orgs/{org_id}/dings/{d1}/confirm", headers={"authorization": f"Bearer {c.token}"})
                latencies.append(time.perf_counter() - start)
                rr.raise_for_status()

        cpu0 = cpu_seconds(server_pid)
        t0 = time.perf_counter()
        await asyncio.gather(*(confirm(c) for c in clients))
        wall = time.perf_counter() - t0
        cpu_confirm = cpu_seconds(server_pid) - cpu0
        deadline = time.perf_counter() + 30
        while len({m for d, m, _t in sender.receipts if d == d1}) < len(clients) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)  # waiting for the sender's socket to drain
        receipts = [(m, t) for d, m, t in sender.receipts if d == d1]
        per_member = Counter(m for m, _t in receipts)
        result["confirm"] = {
            "confirms": len(clients), "concurrency": CONFIRM_CONCURRENCY, "wall_s": round(wall, 2),
            "per_second": round(len(clients) / wall, 1), "latency": spread(latencies),
            "server_cpu_ms_per_confirm": round(cpu_confirm * 1000 / len(clients), 2),
            "sender_receipts": len(per_member),
            "sender_saw_last_receipt_after_ms": round((max(t for _m, t in receipts) - t0) * 1000, 1) if receipts else None,
            "duplicate_receipts": sum(n - 1 for n in per_member.values() if n > 1),
            "alert_cleared_on_confirmer_socket": sum(1 for c in clients if c.removed[d1] >= 1),
        }

        # 3. one reminder round for 5,000 unconfirmed
        body2 = {"member_ids": member_ids, "text": "请填写今日健康打卡", "remind_every_minutes": args.remind_after, "remind_times": 1}
        r = await http.post(f"/api/v1/orgs/{org_id}/dings", json=body2, headers=owner_h)
        r.raise_for_status()
        d2 = r.json()
        sent_at = datetime.fromisoformat(d2["sent_at"])
        due = sent_at + timedelta(seconds=args.remind_after * args.minute_seconds)
        await wait_all(clients, (d2["id"], "send", 0), 60)
        idle_before_due = True
        try:
            await wait_jobs_idle(engine, ("ding.cards",), max(1.0, (due - datetime.now(timezone.utc)).total_seconds() - 1))
        except RuntimeError:
            idle_before_due = False
        key2 = (d2["id"], "reminder", 1)
        cpu0 = cpu_seconds(server_pid)
        wait_s = (due - datetime.now(timezone.utc)).total_seconds()
        got2 = await wait_all(clients, key2, wait_s + 120)
        # perf_counter → wall clock, to compare the clients' arrival times with the due time
        offset = time.time() - time.perf_counter()
        arrivals2 = [c.alerts[key2][0] + offset - due.timestamp() for c in clients if key2 in c.alerts]
        await wait_jobs_idle(engine, ("ding.remind",), 120)
        cpu_round = cpu_seconds(server_pid) - cpu0
        async with engine.connect() as conn:
            job = (await conn.execute(select(Job.started_at, Job.finished_at, Job.attempts, Job.status).where(
                Job.name == "ding.remind", Job.dedupe_key == f"ding:{d2['id']}:round:1"))).one()
            round_jobs = (await conn.execute(select(func.count()).select_from(Job).where(
                Job.name == "ding.remind", Job.args.is_not(None), Job.dedupe_key.like(f"ding:{d2['id']}:round:%")))).scalar_one()
            rows = (await conn.execute(text(
                "SELECT count(*) FROM ding_delivery WHERE ding_id = :d AND kind = 'reminder' AND round = 1"), {"d": d2["id"]})).scalar_one()
            dup_rows = (await conn.execute(text(
                "SELECT count(*) FROM (SELECT ding_id, member_id, kind, round, channel FROM ding_delivery "
                "GROUP BY ding_id, member_id, kind, round, channel HAVING count(*) > 1) AS d"))).scalar_one()
        started, finished = (x.replace(tzinfo=x.tzinfo or timezone.utc) for x in (job.started_at, job.finished_at))
        result["reminder_round"] = {
            "unconfirmed": members, "card_jobs_done_before_due": idle_before_due,
            "job_run_ms": round((finished - started).total_seconds() * 1000, 1),
            "due_to_job_done_ms": round((finished - due).total_seconds() * 1000, 1),
            "connected_reminded": got2,
            "due_to_every_connected_reminded_ms": round(max(arrivals2) * 1000, 1) if arrivals2 else None,
            "server_cpu_s": round(cpu_round, 2),
            "job_attempts": job.attempts, "round_jobs": round_jobs,
            "reminder_deliveries_recorded": rows,
            "duplicate_reminders_on_clients": duplicates(clients, key2),
            "duplicate_delivery_rows": dup_rows,
            "target": "a round for 5,000 within 10 s; zero duplicates",
        }
        result["queues_re_registered"] = sum(c.reregistered for c in [sender, *clients])
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--connected", type=int, default=1000)
    parser.add_argument("--remind-after", type=int, default=60, help="schedule minutes (seconds here) until the round")
    parser.add_argument("--minute-seconds", type=float, default=1.0)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary data dir")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tack-bench-ding-"))
    data = work / "data"
    db_url = args.database_url or f"sqlite+aiosqlite:///{data / 'tack.db'}"
    env = {**os.environ, "TACK_DATA_DIR": str(data), "TACK_DING_MINUTE_SECONDS": str(args.minute_seconds)}
    if args.database_url:
        env["TACK_DATABASE_URL"] = args.database_url
    result: dict = {"benchmark": "ding", "database": "postgresql" if args.database_url else "sqlite"}
    try:
        org = run_cli(["org", "create", "--name", "DING 基准公司", "--owner-name", "管理员", "--owner-phone", "13700000000",
                       "--owner-password", PASSWORD], env)
        sheet = work / "members.csv"
        make_csv(sheet, args.members)
        subprocess.run([str(BIN / "tack"), "member", "import", "--org", str(org["org_id"]), str(sheet), "--json"],
                       capture_output=True, text=True, env=env, check=True)
        port = free_port()
        server = subprocess.Popen([*_taskset(0), str(BIN / "tack"), "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {1})
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(base + "/api/openapi.json", timeout=1)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("server did not start: " + (server.stderr.read().decode() if server.stderr else ""))
                    time.sleep(0.1)
            result |= asyncio.run(measure(args, env, base, server.pid, org["org_id"], db_url))
        finally:
            server.terminate()
            server.wait(10)
        result["machine"] = {"cpus": os.cpu_count(), "server_core": 0 if _taskset(0) else None,
                             "load_average_1m": round(os.getloadavg()[0], 2)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
