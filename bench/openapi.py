"""Open-platform benchmark: DingTalk's `/user/get` with a cached app token, against a running
server on SQLite (or PostgreSQL). Prints JSON.

    .venv/bin/python bench/openapi.py [--members 1000] [--requests 2000] [--concurrency 16]

Set-up goes through the CLI as an operator would (`tack demo`, `tack member import`,
`tack app create`). The server (`tack serve`, one process) is pinned to core 0 and this load
generator to core 1 when taskset is available. The token is fetched once through /gettoken,
as a client caches it. Two measurements: one request at a time over a kept-alive connection
(latency, and the server's CPU time per request, which a busy machine does not inflate),
then `--concurrency` connections in parallel (requests per second, latency under load).
Robot webhook sends are measured by the robots' own benchmark.
"""

import argparse
import asyncio
import csv
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

BIN = Path(sys.executable).parent
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建文斌宇浩凯佳欣怡晨阳雪琳"


def _taskset(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def run_cli(args: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run([str(BIN / "tack"), *args, "--json"], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


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


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(percentile(samples, 0.99), 2),
        "max_ms": round(max(samples), 2),
    }


def sequential(base: str, urls: list[str], pid: int) -> dict:
    samples = []
    with httpx.Client(base_url=base, timeout=10) as client:
        for url in urls[:100]:  # warm-up
            client.get(url)
        cpu = cpu_seconds(pid)
        for url in urls:
            start = time.perf_counter()
            r = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200 and r.json()["errcode"] == 0, r.text
        cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / len(urls)
    return {"requests": len(urls), "server_cpu_ms_per_request": round(cpu_ms, 3), **summary(samples),
            "requests_per_s_if_cpu_bound": round(1000 / cpu_ms) if cpu_ms else None}


async def concurrent(base: str, urls: list[str], workers: int, pid: int) -> dict:
    samples: list[float] = []
    queue = list(reversed(urls))
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def worker() -> None:
            while queue:
                url = queue.pop()
                start = time.perf_counter()
                r = await client.get(url)
                samples.append((time.perf_counter() - start) * 1000)
                assert r.status_code == 200 and r.json()["errcode"] == 0, r.text

        cpu = cpu_seconds(pid)
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        wall = time.perf_counter() - start
        cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / len(urls)
    return {"requests": len(urls), "concurrency": workers, "wall_s": round(wall, 2),
            "requests_per_s": round(len(urls) / wall), "server_cpu_ms_per_request": round(cpu_ms, 3), **summary(samples)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary data dir")
    args = parser.parse_args()
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="tack-bench-openapi-"))
    env = {**os.environ, "TACK_DATA_DIR": str(work / "data")}
    if args.database_url:
        env["TACK_DATABASE_URL"] = args.database_url
    result: dict = {"benchmark": "openapi", "endpoint": "GET /user/get (cached token)", "members": args.members,
                    "database": "postgresql" if args.database_url else "sqlite",
                    "target": ">= 1,000 requests/s, p99 < 50 ms"}
    try:
        demo = run_cli(["demo"], env)
        sheet = work / "members.csv"
        with sheet.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["姓名", "手机号", "职位", "部门"])
            for i in range(args.members):
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                w.writerow([name, f"135{i:08d}", "工程师", f"研发部/小组{i % 20:02d}"])
        subprocess.run([str(BIN / "tack"), "member", "import", "--org", str(demo["org_id"]), str(sheet), "--json"],
                       capture_output=True, text=True, env=env, check=True)
        app = run_cli(["app", "create", "--org", str(demo["org_id"]), "--name", "bench", "--scope", "contact.read"], env)

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
            token = httpx.get(base + "/gettoken", params={"appkey": app["app_key"], "appsecret": app["app_secret"]}).json()["access_token"]
            with httpx.Client(base_url=base, timeout=10) as client:
                departments = client.get("/department/list", params={"access_token": token, "fetch_child": "true"}).json()["department"]
                userids: list[str] = []
                for d in departments:
                    page = client.get("/user/simplelist", params={"access_token": token, "department_id": d["id"], "size": 100}).json()
                    userids += [u["userid"] for u in page["userlist"]]
            urls = [f"/user/get?access_token={token}&userid={rng.choice(userids)}" for _ in range(args.requests)]
            result["users_sampled"] = len(set(userids))
            result["one_at_a_time"] = sequential(base, urls, server.pid)
            result["parallel"] = asyncio.run(concurrent(base, urls, args.concurrency, server.pid))
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["cpu_count"] = os.cpu_count()
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
