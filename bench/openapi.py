"""Open-platform benchmark: DingTalk's `/user/get` with a cached app token, against a running
server on SQLite (or PostgreSQL). Prints JSON.

    .venv/bin/python bench/openapi.py [--members 1000] [--requests 2000] [--concurrency 16]
        [--load-generator wrk|httpx] [--duration 10]

Set-up goes through the CLI as an operator would (`tack demo`, `tack member import`,
`tack app create`). The server (`tack serve`, one process) is pinned to core 0 and this load
generator to core 1 when taskset is available. The token is fetched once through /gettoken,
as a client caches it. Two measurements: one request at a time over a kept-alive connection
(latency, and the server's CPU time per request, which a busy machine does not inflate),
then `--concurrency` kept-alive connections in parallel (requests per second, latency under
load). The parallel load comes from wrk (Debian's `wrk` package: `scripts/apt-install wrk`)
when it is installed, for `--duration` seconds: written in C, it needs a few percent of its
core at these rates, so it is never the limit, while a Python client on one core tops out
below the target. Without wrk, an httpx async client with `--concurrency` keep-alive
connections runs `--requests` requests instead (then `load_generator` says so, and the
requests/s may be the client's limit). wrk's script checks every answer's errcode.
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


WRK_SCRIPT = """
local paths = {%(paths)s}
local threads = {}
i = 0
bad = 0
setup = function(thread)
  table.insert(threads, thread)
end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
response = function(status, headers, body)
  if status ~= 200 or not body:find('"errcode":0,', 1, true) then bad = bad + 1 end
end
done = function(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("bad") end
  io.write(string.format('WRK {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, '
    .. '"socket_errors": %%d, "bad_answers": %%d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, bad))
end
"""


def with_wrk(base: str, urls: list[str], connections: int, seconds: int, pid: int, work: Path) -> dict:
    """wrk (one thread, `connections` kept-alive connections) on core 1 for `seconds`; its
    script counts answers that are not errcode 0, which must be none."""
    script = work / "user_get.lua"
    script.write_text(WRK_SCRIPT % {"paths": ",".join(json.dumps(u) for u in urls)})
    cpu = cpu_seconds(pid)
    out = subprocess.run([*_taskset(1), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), base],
                         capture_output=True, text=True, check=True).stdout
    used = cpu_seconds(pid) - cpu
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    w = json.loads(line[4:])
    assert w["bad_answers"] == 0 and w["socket_errors"] == 0, out
    return {"load_generator": f"wrk 1 thread, {connections} keep-alive connections, {seconds} s", "requests": w["requests"],
            "concurrency": connections, "wall_s": round(w["duration_us"] / 1e6, 2),
            "requests_per_s": round(w["requests"] / (w["duration_us"] / 1e6)),
            "server_cpu_ms_per_request": round(used * 1000 / w["requests"], 3),
            "p50_ms": round(w["p50_us"] / 1000, 2), "p99_ms": round(w["p99_us"] / 1000, 2), "max_ms": round(w["max_us"] / 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary data dir")
    parser.add_argument("--load-generator", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx")
    parser.add_argument("--duration", type=int, default=10, help="seconds of parallel load with wrk")
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
            if args.load_generator == "wrk":
                result["parallel"] = with_wrk(base, urls, args.concurrency, args.duration, server.pid, work)
            else:
                result["parallel"] = {"load_generator": f"httpx AsyncClient, {args.concurrency} keep-alive connections",
                                      **asyncio.run(concurrent(base, urls, args.concurrency, server.pid))}
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
