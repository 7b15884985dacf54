"""Robot benchmark: custom-robot webhook sends (DingTalk's `POST /robot/send`) into a
1,000-member group while some members are connected over the realtime WebSocket. Prints JSON.

    .venv/bin/python bench/robot.py [--members 1000] [--connected 100] [--sends 500] [--concurrency 8]

The server runs as `tack serve` with TACK_ROBOT_RATE_PER_MINUTE=0: DingTalk's limit (20 a
minute per robot) would otherwise refuse all but 20 sends, and lifting it is the documented
setting for benchmarks. The group is the organization's all-staff group (全员群), which holds
every active member: the connected ones are added through the API with a password (so they
can sign in), the rest by CSV import (no accounts: in the group, but no socket). The robot uses the keyword security setting (signature checks cost a
hash each and are measured separately, `signed`). The server is pinned to core 0 and this
load generator (HTTP client and every WebSocket) to core 1 when taskset is available.

Reported per phase: requests/s, p50/p99/max latency of a send (HTTP round trip, including
the commit and the fan-out to the connected sockets), and the server's CPU time per send
(robust to a busy machine). `delivered` checks that every connected member received every
message event.
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
from pathlib import Path
from typing import Any

import httpx
import psutil
from websockets.asyncio.client import connect

BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def _taskset(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def run_cli(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run([str(BIN / "tack"), *args, "--json"], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def cpu_seconds(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return float(t.user + t.system)


class Listener:
    """One connected member: counts the message events its socket receives."""

    def __init__(self) -> None:
        self.messages = 0
        self.done = asyncio.Event()
        self.expect = 0

    async def run(self, url: str) -> None:
        async with connect(url, max_size=None, compression=None) as ws:
            self.ready.set()
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") == "message" and frame.get("op") == "add":
                    self.messages += 1
                    if self.expect and self.messages >= self.expect:
                        self.done.set()

    ready: asyncio.Event


async def phase(client: httpx.AsyncClient, url: str, bodies: list[dict[str, Any]], concurrency: int, pid: int) -> dict[str, Any]:
    samples: list[float] = []
    errors: list[Any] = []
    queue = list(bodies)

    async def worker() -> None:
        while queue:
            body = queue.pop()
            start = time.perf_counter()
            r = await client.post(url, json=body)
            samples.append((time.perf_counter() - start) * 1000)
            answer = r.json()
            if answer.get("errcode") != 0:
                errors.append(answer)

    cpu_before = cpu_seconds(pid)
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - start
    return {
        "sends": len(samples),
        "concurrency": concurrency,
        "requests_per_s": round(len(samples) / wall, 1),
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(percentile(samples, 0.99), 2),
        "max_ms": round(max(samples), 2),
        "server_cpu_ms_per_send": round((cpu_seconds(pid) - cpu_before) * 1000 / len(samples), 2),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


async def load(base: str, org_id: int, group_id: int, robot: dict[str, Any], signed_robot: dict[str, Any],
               tokens: list[str], args: argparse.Namespace, pid: int) -> dict[str, Any]:
    from tack.openapi_compat.robots.security import expected_sign

    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=args.concurrency)) as client:
        listeners = []
        tasks = []
        for token in tokens:
            reg = (await client.post("/api/v1/realtime/register", json={"org_id": org_id},
                                     headers={"authorization": f"Bearer {token}"})).json()
            listener = Listener()
            listener.ready = asyncio.Event()
            ws = base.replace("http://", "ws://") + f"/api/v1/realtime/ws?queue_id={reg['queue_id']}&last_event_id={reg['last_event_id']}&token={token}"
            tasks.append(asyncio.create_task(listener.run(ws)))
            listeners.append(listener)
        await asyncio.gather(*(listener.ready.wait() for listener in listeners))
        path = robot["webhook_url"][robot["webhook_url"].index("/robot/send"):]
        text = {"msgtype": "text", "text": {"content": "告警：磁盘使用率 91%"}, "at": {}}
        markdown = {"msgtype": "markdown", "markdown": {"title": "告警", "text": "### 告警\n- **磁盘** 91%\n- [详情](https://example.com)"}}
        card = {"msgtype": "actionCard", "actionCard": {"title": "告警", "text": "磁盘 91%", "btns": [
            {"title": "处理", "actionURL": "https://example.com/a"}, {"title": "忽略", "actionURL": "https://example.com/b"}]}}
        await phase(client, path, [text] * 30, 1, pid)  # warm-up
        result: dict[str, Any] = {}
        result["sequential"] = await phase(client, path, [text, markdown, card] * (args.sends // 3), 1, pid)
        result["concurrent"] = await phase(client, path, [text, markdown, card] * (args.sends // 3), args.concurrency, pid)
        ts = str(int(time.time() * 1000))
        spath = signed_robot["webhook_url"][signed_robot["webhook_url"].index("/robot/send"):]
        spath += f"&timestamp={ts}&sign={httpx.QueryParams({'s': expected_sign(signed_robot['secret'], ts)})['s']}"
        result["signed"] = await phase(client, spath, [text] * (args.sends // 3 * 3), 1, pid)
        expected = 30 + 3 * (args.sends // 3 * 3)
        for listener in listeners:
            listener.expect = expected
            if listener.messages >= expected:
                listener.done.set()
        try:
            await asyncio.wait_for(asyncio.gather(*(listener.done.wait() for listener in listeners)), 60)
        except TimeoutError:
            pass
        counts = [listener.messages for listener in listeners]
        result["delivered"] = {"sockets": len(listeners), "expected_per_socket": expected,
                               "min_received": min(counts, default=0), "all_received": all(c >= expected for c in counts)}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000, help="group size, owner included")
    parser.add_argument("--connected", type=int, default=100, help="members with an open WebSocket")
    parser.add_argument("--sends", type=int, default=600, help="sends per phase")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tack-bench-robot-"))
    env = {**os.environ, "TACK_DATA_DIR": str(work / "data"), "TACK_ROBOT_RATE_PER_MINUTE": "0"}
    result: dict[str, Any] = {"benchmark": "robot", "members": args.members, "connected": args.connected,
                              "database": "sqlite", "rate_limit": "lifted (TACK_ROBOT_RATE_PER_MINUTE=0)"}
    try:
        org = run_cli(["org", "create", "--name", "机器人基准", "--owner-name", "管理员", "--owner-phone", "13700000000",
                       "--owner-password", "bench-password"], env)
        org_id = org["org_id"]
        sheet = work / "members.csv"
        with sheet.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["姓名", "手机号", "部门"])
            for i in range(args.members - 1 - args.connected):
                w.writerow([f"成员{i:04d}", f"139{i:08d}", "研发部"])
        subprocess.run([str(BIN / "tack"), "member", "import", "--org", str(org_id), str(sheet), "--json"],
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
            with httpx.Client(base_url=base, timeout=60) as client:
                owner = client.post("/api/v1/auth/login", json={"login": "13700000000", "password": "bench-password"}).json()
                h = {"authorization": f"Bearer {owner['token']}"}
                tokens = []
                for i in range(args.connected):
                    phone = f"135{i:08d}"
                    client.post(f"/api/v1/orgs/{org_id}/members", headers=h,
                                json={"name": f"在线{i:03d}", "phone": phone, "password": "bench-password"}).raise_for_status()
                    login = client.post("/api/v1/auth/login", json={"login": phone, "password": "bench-password"})
                    login.raise_for_status()
                    tokens.append(login.json()["token"])
                # The all-staff group (全员群) holds every active member, accounts or not.
                convs = client.get(f"/api/v1/orgs/{org_id}/conversations", headers=h).json()["items"]
                group = next(c for c in convs if c.get("managed") == "all_staff")
                result["group_members"] = group["member_count"]
            robot = run_cli(["robot", "create", "--org", str(org_id), "--group", str(group["id"]), "--name", "告警",
                             "--keyword", "告警"], {**env, "TACK_ROBOT_PUBLIC_URL": base})
            signed = run_cli(["robot", "create", "--org", str(org_id), "--group", str(group["id"]), "--name", "签名",
                              "--sign"], {**env, "TACK_ROBOT_PUBLIC_URL": base})
            result.update(asyncio.run(load(base, org_id, group["id"], robot, signed, tokens, args, server.pid)))
        finally:
            server.terminate()
            server.wait(10)
        result["machine"] = {"cpus": os.cpu_count(), "server_core": 0 if _taskset(0) else None,
                             "note": "shared, busy 2-core machine: latencies are pessimistic"}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
