"""Approvals benchmark: 100,000 instances of a 3-step flow among 2,000 members, then the hot
paths over HTTP against a running server. Prints JSON.

    .venv/bin/python bench/approval.py [--instances 100000] [--members 2000] [--requests 500]

Members come in through `tack member import` (the operator's CLI); the template through the
HTTP API; the 100,000 instances with their tasks and timelines are written straight into the
database in bulk (the benchmark measures reading and deciding, not 100,000 submit calls).
One approver ("viewer") has 2,000 requests waiting at their step. Timed, one request at a
time over a kept-alive connection after a warm-up:

- pending: GET …/approval/boxes/pending (first page of 20) as the viewer;
- instance: GET …/approval/instances/{id} of requests the viewer takes part in;
- approve: POST …/approval/instances/{id}/approve, each on a different request (the next
  step's task, its realtime event and the chat-card job are written each time).

The server is pinned to core 0 and this load generator to core 1 when taskset is available;
the server's CPU time per request is reported next to the latencies.
"""

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from directory import BIN, _taskset, free_port, run_cli, timed  # noqa: E402

from tack.approval.models import ApprovalEvent, ApprovalInstance, ApprovalTask  # noqa: E402
from tack.directory.models import Member  # noqa: E402
from tack.settings import Settings  # noqa: E402

PENDING_FOR_VIEWER = 2000


def make_csv(path: Path, members: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "手机号", "部门"])
        for i in range(members):
            w.writerow([f"员工{i:05d}", f"139{i:08d}", f"部门{i % 40:02d}"])


def seed(database_url: str, org_id: int, template_id: int, version_id: int, viewer: int, count: int, rng: random.Random) -> dict:
    """Bulk rows: instances with their plan, tasks of every step reached, timeline entries."""
    engine = create_engine(database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))
    with engine.begin() as conn:
        members = [m for (m,) in conn.execute(select(Member.id).where(Member.org_id == org_id, Member.id != viewer))]
        submitter_pool = members[:]
        first_id = (conn.execute(select(func.max(ApprovalInstance.id))).scalar() or 0) + 1
    start = datetime.now(UTC) - timedelta(days=200)
    viewer_ids: list[int] = []
    instances, tasks, events = [], [], []
    statuses = {"running": 0, "approved": 0, "rejected": 0}

    def flush() -> None:
        with engine.begin() as conn:
            if instances:
                conn.execute(insert(ApprovalInstance), instances)
            if tasks:
                conn.execute(insert(ApprovalTask), tasks)
            if events:
                conn.execute(insert(ApprovalEvent), events)
        instances.clear()
        tasks.clear()
        events.clear()

    for n in range(count):
        iid = first_id + n
        at = start + timedelta(seconds=n * 150)
        submitter = rng.choice(submitter_pool)
        approvers = rng.sample([m for m in members if m != submitter][:400], 3) if n % 50 else rng.sample(members, 3)
        mine = n < PENDING_FOR_VIEWER * 2 and n % 2 == 0
        if mine:
            approvers[0] = viewer
        roll = rng.random()
        if mine:
            status, reached = "running", 0
        elif roll < 0.7:
            status, reached = "approved", 3
        elif roll < 0.8:
            status, reached = "rejected", rng.randint(0, 2)
        else:
            status, reached = "running", rng.randint(0, 2)
        statuses[status] += 1
        plan = [{"name": f"第{i + 1}级", "mode": "any", "approver_ids": [a], "source": "members", "template_step": i,
                 "remind_after_hours": 24} for i, a in enumerate(approvers)]
        instances.append({
            "id": iid, "org_id": org_id, "template_id": template_id, "version_id": version_id, "kind": "general",
            "title": f"员工的采购申请 {n}", "submitter_member_id": submitter,
            "values": {"subject": f"采购 {n}", "amount": f"{rng.randint(1, 20000)}.00"},
            "status": status, "plan": plan, "current_step": min(reached, 2), "activation": min(reached, 2) + 1,
            "created_at": at, "finished_at": at + timedelta(hours=5) if status != "running" else None, "effects": {},
        })
        events.append({"org_id": org_id, "instance_id": iid, "member_id": submitter, "action": "submit", "comment": "",
                       "detail": {}, "created_at": at})
        last = 3 if status == "approved" else reached + 1
        for step in range(last):
            decided = status == "approved" or step < reached or (status == "rejected" and step == reached)
            task_status = "pending" if not decided else ("rejected" if status == "rejected" and step == reached else "approved")
            tasks.append({"org_id": org_id, "instance_id": iid, "step": step, "activation": step + 1, "member_id": approvers[step],
                          "status": task_status, "acted_at": at + timedelta(hours=step + 1) if decided else None,
                          "created_at": at + timedelta(hours=step)})
            if decided:
                events.append({"org_id": org_id, "instance_id": iid, "member_id": approvers[step], "step": step,
                               "action": "reject" if task_status == "rejected" else "approve", "comment": "",
                               "detail": {}, "created_at": at + timedelta(hours=step + 1)})
        if status != "running":
            events.append({"org_id": org_id, "instance_id": iid, "member_id": None, "action": "finished", "comment": "",
                           "detail": {"status": status}, "created_at": at + timedelta(hours=5)})
        if mine:
            viewer_ids.append(iid)
        if len(instances) >= 5000:
            flush()
    flush()
    engine.dispose()
    return {"viewer_pending": viewer_ids, "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(6)
    work = Path(tempfile.mkdtemp(prefix="tack-bench-approval-"))
    env = {**os.environ, "TACK_DATA_DIR": str(work / "data")}
    database_url = Settings(data_dir=work / "data").resolved_database_url
    result: dict = {"benchmark": "approval", "instances": args.instances, "members": args.members, "database": "sqlite"}
    try:
        sheet = work / "members.csv"
        make_csv(sheet, args.members)
        org = run_cli(["org", "create", "--name", "审批基准公司", "--owner-name", "管理员", "--owner-phone", "13700000000",
                       "--owner-password", "bench-password"], env)
        org_id = org["org_id"]
        subprocess.run([str(BIN / "tack"), "member", "import", "--org", str(org_id), str(sheet), "--json"],
                       capture_output=True, text=True, env=env, check=True)
        run_cli(["member", "add", "--org", str(org_id), "--name", "审批人", "--phone", "13600000000", "--password", "bench-password"], env)
        port = free_port()
        server = subprocess.Popen([*_taskset(0), str(BIN / "tack"), "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.sched_setaffinity(0, {1}) if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1 else None
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
            with httpx.Client(base_url=base, timeout=30) as client:
                owner = client.post("/api/v1/auth/login", json={"login": "13700000000", "password": "bench-password"}).json()
                owner_h = {"authorization": f"Bearer {owner['token']}"}
                me = client.post("/api/v1/auth/login", json={"login": "13600000000", "password": "bench-password"}).json()
                viewer_h = {"authorization": f"Bearer {me['token']}"}
                viewer = client.get(f"/api/v1/orgs/{org_id}", headers=viewer_h).json()["my_member_id"]
                template = client.post(f"/api/v1/orgs/{org_id}/approval/templates", headers=owner_h, json={
                    "name": "采购申请",
                    "form": [{"key": "subject", "label": "事项", "kind": "text", "required": True},
                             {"key": "amount", "label": "金额", "kind": "money", "required": True}],
                    "flow": {"steps": [{"kind": "members", "member_ids": [viewer]}, {"kind": "department_manager", "level": 1},
                                       {"kind": "manager", "level": 1}]},
                }).json()
                t0 = time.perf_counter()
                seeded = seed(database_url, org_id, template["id"], template["version_id"], viewer, args.instances, rng)
                result["seed"] = {"wall_s": round(time.perf_counter() - t0, 1), "statuses": seeded["statuses"],
                                  "viewer_pending": len(seeded["viewer_pending"])}
                client.headers.update(viewer_h)
                prefix = f"/api/v1/orgs/{org_id}/approval"
                n = min(args.requests, len(seeded["viewer_pending"]) // 2)
                pool = seeded["viewer_pending"]
                timed(client, [f"{prefix}/boxes/pending"] * 30)
                timed(client, [f"{prefix}/instances/{i}" for i in pool[-30:]])
                result["http"] = {
                    "pending_for_me": timed(client, [f"{prefix}/boxes/pending"] * n, server.pid),
                    "instance_page": timed(client, [f"{prefix}/instances/{rng.choice(pool)}" for _ in range(n)], server.pid),
                }
                samples = []
                from directory import _cpu, percentile

                cpu_before = _cpu(server.pid)
                for iid in pool[:n]:
                    start = time.perf_counter()
                    r = client.post(f"{prefix}/instances/{iid}/approve", json={})
                    samples.append((time.perf_counter() - start) * 1000)
                    r.raise_for_status()
                cpu_ms = (_cpu(server.pid) - cpu_before) * 1000 / len(samples)
                result["http"]["approve"] = {
                    "requests": len(samples), "server_cpu_ms_per_request": round(cpu_ms, 2),
                    "p50_ms": round(sorted(samples)[len(samples) // 2], 2), "p99_ms": round(percentile(samples, 0.99), 2),
                    "max_ms": round(max(samples), 2),
                }
                result["http"]["target"] = "p99 under 50 ms each"
        finally:
            server.terminate()
            server.wait(10)
        result["machine"] = {"cpus": os.cpu_count(), "server_core": 0 if _taskset(0) else None,
                             "load_average_1m": round(os.getloadavg()[0], 1)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
