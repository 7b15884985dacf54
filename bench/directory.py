"""Directory benchmark: import 10,000 members in 500 departments from CSV, then time the hot
reads over HTTP against a running server. Prints JSON.

    .venv/bin/python bench/directory.py [--members 10000] [--departments 500] [--requests 1000]

The import runs through `tack member import` (the CLI an operator would use) in a child
process, so its wall time and peak RSS are the whole program's. The server is pinned to
core 0 and this load generator to core 1 when taskset is available. Reads are made as a
plain member (visibility rules active, one hidden department), one request at a time over
a kept-alive connection, after a warm-up.
"""

import argparse
import csv
import json
import os
import random
import resource
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
from pypinyin import lazy_pinyin

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建文斌宇浩凯佳欣怡晨阳雪琳"


def _taskset(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1 else []


def make_csv(path: Path, members: int, departments: int, rng: random.Random) -> tuple[list[str], list[str]]:
    tops = max(1, departments // 25)
    subs_per_top = max(0, departments // tops - 1)
    paths = []
    for t in range(tops):
        top = f"事业部{t + 1:02d}"
        paths.append(top)
        paths += [f"{top}/团队{s + 1:02d}" for s in range(subs_per_top)]
    paths = paths[:departments]
    big = paths[1]  # one department large enough for a full page of 100
    names, phones = [], []
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "手机号", "邮箱", "职位", "工号", "部门", "直属主管", "入职日期"])
        for i in range(members):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            phone = f"139{i:08d}"
            dept = big if i < 300 else paths[i % len(paths)]
            manager = f"139{(i // 20) * 20:08d}" if i % 20 else ""
            w.writerow([name, phone, f"u{i}@bench.tack", "工程师", f"E{i:06d}", dept, manager, "2024-03-01"])
            names.append(name)
            phones.append(phone)
    return names, phones


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


def _cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def timed(client: httpx.Client, urls: list[str], server_pid: int | None = None) -> dict[str, float]:
    """Latency of each request, and the server's CPU time per request (robust to a busy machine)."""
    samples = []
    cpu_before = _cpu(server_pid)
    for url in urls:
        start = time.perf_counter()
        r = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        r.raise_for_status()
    cpu_ms = (_cpu(server_pid) - cpu_before) * 1000 / len(samples)
    return {
        "requests": len(samples),
        "server_cpu_ms_per_request": round(cpu_ms, 2),
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(percentile(samples, 0.99), 2),
        "max_ms": round(max(samples), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--departments", type=int, default=500)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary data dir")
    args = parser.parse_args()
    rng = random.Random(42)
    work = Path(tempfile.mkdtemp(prefix="tack-bench-"))
    env = {**os.environ, "TACK_DATA_DIR": str(work / "data")}
    if args.database_url:
        env["TACK_DATABASE_URL"] = args.database_url
    result: dict = {"benchmark": "directory", "members": args.members, "departments": args.departments,
                    "database": "postgresql" if args.database_url else "sqlite"}
    try:
        sheet = work / "members.csv"
        names, phones = make_csv(sheet, args.members, args.departments, rng)
        org = run_cli(["org", "create", "--name", "基准测试公司", "--owner-name", "管理员", "--owner-phone", "13700000000",
                       "--owner-password", "bench-password"], env)
        org_id = org["org_id"]

        start = time.perf_counter()
        proc = subprocess.run([str(BIN / "tack"), "member", "import", "--org", str(org_id), str(sheet), "--json"],
                              capture_output=True, text=True, env=env, check=True)
        wall = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        report = json.loads(proc.stdout)
        result["import"] = {
            "wall_s": round(wall, 2), "peak_rss_mb": round(peak_kb / 1024, 1),
            "created": report["created"], "failed": report["failed"],
            "departments_created": report["departments_created"],
            "target": "under 30 s and 300 MB",
        }

        viewer = run_cli(["member", "add", "--org", str(org_id), "--name", "读者", "--phone", "13600000000",
                          "--password", "bench-password"], env)
        port = free_port()
        server = subprocess.Popen([*_taskset(0), str(BIN / "tack"), "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.sched_setaffinity(0, {1}) if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1 else None
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(base + "/api/openapi.json", timeout=1)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("server did not start: " + (server.stderr.read().decode() if server.stderr else ""))
                    time.sleep(0.1)
            with httpx.Client(base_url=base, timeout=10) as client:
                # One department is hidden, so the visibility rules run on every read.
                owner = client.post("/api/v1/auth/login", json={"login": "13700000000", "password": "bench-password"}).json()
                owner_h = {"authorization": f"Bearer {owner['token']}"}
                tree = client.get(f"/api/v1/orgs/{org_id}/departments", headers=owner_h).json()["items"]
                hidden = next(d for d in tree if d["parent_id"] is not None and d["name"].startswith("事业部") and d["name"] != "事业部01")
                client.patch(f"/api/v1/orgs/{org_id}/departments/{hidden['id']}", json={"hidden": True}, headers=owner_h).raise_for_status()
                big = next(d for d in tree if d["name"] == "团队01" and d["parent_id"] == next(t["id"] for t in tree if t["name"] == "事业部01"))
                token = client.post("/api/v1/auth/login", json={"login": "13600000000", "password": "bench-password"}).json()["token"]
                client.headers["authorization"] = f"Bearer {token}"
                n = args.requests
                members_page = client.get(f"/api/v1/orgs/{org_id}/members", params={"department_id": big["id"], "limit": 100}).json()
                assert len(members_page["items"]) == 100, members_page["total"]
                # Profiles of members this viewer may see (the hidden department's are 404 to them).
                ids: list[int] = []
                offset: int | None = 0
                while offset is not None and len(ids) < 2000:
                    page = client.get(f"/api/v1/orgs/{org_id}/members", params={"offset": offset, "limit": 100}).json()
                    ids += [m["id"] for m in page["items"]]
                    offset = page["next_offset"]
                queries = []
                for i in range(n):
                    kind = i % 4
                    name = rng.choice(names)
                    if kind == 0:
                        queries.append(name[1:])
                    elif kind == 1:
                        queries.append("".join(lazy_pinyin(name)))
                    elif kind == 2:
                        queries.append("".join(p[0] for p in lazy_pinyin(name)))
                    else:
                        queries.append(rng.choice(phones)[:7])
                warm = [f"/api/v1/orgs/{org_id}/members?department_id={big['id']}&limit=100"] * 50
                timed(client, warm)
                result["http"] = {
                    "department_page_100": timed(
                        client, [f"/api/v1/orgs/{org_id}/members?department_id={big['id']}&limit=100"] * n, server.pid
                    ),
                    "profile": timed(client, [f"/api/v1/orgs/{org_id}/members/{rng.choice(ids)}" for _ in range(n)], server.pid),
                    "search": timed(client, [f"/api/v1/orgs/{org_id}/members?q={q}&limit=20" for q in queries], server.pid),
                    "target": "p99 under 30 ms each",
                }
        finally:
            server.terminate()
            server.wait(10)
        result["machine"] = {"cpus": os.cpu_count(), "server_core": 0 if _taskset(0) else None}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
