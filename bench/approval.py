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
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Connection, Table, create_engine, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from directory import BIN, _cpu, _taskset, free_port, percentile, run_cli, timed  # noqa: E402

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


STEP_NAMES = ("主管", "财务", "总经理")
TEMPLATE_NAME = "采购申请"
REMIND_AFTER_HOURS = 24


def request_rows(
    iid: int, org_id: int, template_id: int, version_id: int, submitter: tuple[int, str], approvers: list[int],
    values: dict, at: datetime, status: str, reached: int,
) -> tuple[dict, list[dict], list[dict]]:
    """The rows that submit (with the three approvers chosen) and then approve/reject write for
    one request: the instance, one task per step reached, the timeline. `reached` is the step
    the request is at (running), was rejected at (rejected), or 3 (approved); step k is decided
    k + 1 hours after submitting."""
    decided_at = [at + timedelta(hours=k + 1) for k in range(3)]
    last = 3 if status == "approved" else reached + 1
    plan = [{"name": STEP_NAMES[k], "mode": "any", "approver_ids": [a], "source": "submitter_choice", "template_step": k,
             "remind_after_hours": REMIND_AFTER_HOURS} for k, a in enumerate(approvers)]
    finished_at = decided_at[min(reached, 2)] if status != "running" else None
    instance = {
        "id": iid, "org_id": org_id, "template_id": template_id, "version_id": version_id, "kind": "general",
        "title": f"{submitter[1]}的{TEMPLATE_NAME}", "submitter_member_id": submitter[0], "values": values,
        "status": status, "plan": plan, "current_step": min(reached, 2), "activation": min(reached, 2) + 1,
        "created_at": at, "finished_at": finished_at, "last_urged_at": None, "effects": {"cc_on_finish": []},
    }
    tasks, events = [], [{"org_id": org_id, "instance_id": iid, "member_id": submitter[0], "action": "submit", "step": None,
                          "comment": "", "detail": {}, "created_at": at}]
    for k in range(last):
        decided = status == "approved" or k < reached or status == "rejected"
        task_status = "rejected" if status == "rejected" and k == reached else ("approved" if decided else "pending")
        tasks.append({"org_id": org_id, "instance_id": iid, "step": k, "activation": k + 1, "member_id": approvers[k],
                      "status": task_status, "acted_at": decided_at[k] if decided else None,
                      "created_at": decided_at[k - 1] if k else at})
        if decided:
            events.append({"org_id": org_id, "instance_id": iid, "member_id": approvers[k], "step": k,
                           "action": "reject" if task_status == "rejected" else "approve", "comment": "", "detail": {},
                           "created_at": decided_at[k]})
    if status != "running":
        events.append({"org_id": org_id, "instance_id": iid, "member_id": None, "step": None, "action": "finished",
                       "comment": "", "detail": {"status": status}, "created_at": finished_at})
    return instance, tasks, events


def _sync_engine(database_url: str):  # type: ignore[no-untyped-def]
    return create_engine(database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))


def check_rows(database_url: str, instance_id: int, reached: int) -> None:
    """The rows the real submit and approve wrote for `instance_id` are the rows request_rows
    builds for the same request (times aside: the seed spaces them by hours)."""
    times = {"created_at", "acted_at", "finished_at"}

    def strip(row: dict) -> dict:
        return {k: v for k, v in row.items() if k not in times and not (k == "id" and "instance_id" in row)}

    engine = _sync_engine(database_url)
    with engine.connect() as conn:
        inst = dict(conn.execute(select(ApprovalInstance.__table__).where(ApprovalInstance.id == instance_id)).mappings().one())
        tasks = [dict(r) for r in conn.execute(
            select(ApprovalTask.__table__).where(ApprovalTask.instance_id == instance_id).order_by(ApprovalTask.id)).mappings()]
        events = [dict(r) for r in conn.execute(
            select(ApprovalEvent.__table__).where(ApprovalEvent.instance_id == instance_id).order_by(ApprovalEvent.id)).mappings()]
        name = conn.execute(select(Member.name).where(Member.id == inst["submitter_member_id"])).scalar_one()
    engine.dispose()
    approvers = [s["approver_ids"][0] for s in inst["plan"]]
    want = request_rows(instance_id, inst["org_id"], inst["template_id"], inst["version_id"], (inst["submitter_member_id"], name),
                        approvers, inst["values"], inst["created_at"], "running", reached)
    got = (inst, tasks, events)
    for kind, w, g in zip(("instance", "tasks", "events"), want, got, strict=True):
        w, g = ([strip(r) for r in w], [strip(r) for r in g]) if isinstance(w, list) else (strip(w), strip(g))
        if w != g:
            raise SystemExit(f"seeded {kind} rows differ from what the actions write:\n{w}\n{g}")


def bulk_insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    """executemany of one INSERT, each value passed through its column type's own bind
    processor (what SQLAlchemy stores), without building SQLAlchemy's per-row parameter dicts."""
    keys = list(rows[0])
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=keys)
    order = compiled.positiontup or keys
    procs = [(k, table.c[k].type._cached_bind_processor(conn.dialect)) for k in order]  # noqa: SLF001
    params = [tuple(p(r[k]) if p else r[k] for k, p in procs) for r in rows]
    conn.exec_driver_sql(str(compiled), params)


def seed(database_url: str, org_id: int, template_id: int, version_id: int, viewer: int, count: int, rng: random.Random) -> dict:
    """Bulk rows of `count` requests: 70% approved, 10% rejected, 20% running at a random step,
    plus PENDING_FOR_VIEWER running at the viewer's step. Most requests go to 400 busy
    approvers, one in fifty to anyone."""
    engine = _sync_engine(database_url)
    with engine.begin() as conn:
        people = [(m, n) for m, n in conn.execute(
            select(Member.id, Member.name).where(Member.org_id == org_id, Member.id != viewer).order_by(Member.id))]
        first_id = (conn.execute(select(func.max(ApprovalInstance.id))).scalar() or 0) + 1
    busy = [m for m, _ in people[:400]]
    everyone = [m for m, _ in people]
    start = datetime.now(UTC) - timedelta(days=200)
    viewer_ids: list[int] = []
    instances: list[dict] = []
    tasks: list[dict] = []
    events: list[dict] = []
    statuses = {"running": 0, "approved": 0, "rejected": 0}

    def flush() -> None:
        with engine.begin() as conn:
            bulk_insert(conn, ApprovalInstance.__table__, instances)
            bulk_insert(conn, ApprovalTask.__table__, tasks)
            bulk_insert(conn, ApprovalEvent.__table__, events)
        instances.clear()
        tasks.clear()
        events.clear()

    for n in range(count):
        iid = first_id + n
        submitter = people[rng.randrange(len(people))]
        approvers = [a for a in rng.sample(busy if n % 50 else everyone, 4) if a != submitter[0]][:3]
        mine = n < PENDING_FOR_VIEWER * 2 and n % 2 == 0
        roll = rng.random()
        if mine:
            approvers[0] = viewer
            status, reached = "running", 0
            viewer_ids.append(iid)
        elif roll < 0.7:
            status, reached = "approved", 3
        elif roll < 0.8:
            status, reached = "rejected", rng.randint(0, 2)
        else:
            status, reached = "running", rng.randint(0, 2)
        statuses[status] += 1
        values = {"subject": f"采购 {n}", "amount": f"{rng.randint(1, 20000)}.00"}
        i, t, e = request_rows(iid, org_id, template_id, version_id, submitter, approvers, values,
                               start + timedelta(seconds=n * 150), status, reached)
        instances.append(i)
        tasks.extend(t)
        events.extend(e)
        if len(instances) >= 10_000:
            flush()
    if instances:
        flush()
    engine.dispose()
    return {"viewer_pending": viewer_ids, "statuses": statuses}


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([*_taskset(0), str(BIN / "tack"), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    print(f"server pid {server.pid}", file=sys.stderr, flush=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(base + "/api/openapi.json", timeout=1)
            return server, base
        except httpx.HTTPError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("server did not start: " + (server.stderr.read().decode() if server.stderr else "")) from None
            time.sleep(0.1)


def login(client: httpx.Client, phone: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"login": phone, "password": "bench-password"})
    r.raise_for_status()
    return {"authorization": f"Bearer {r.json()['token']}"}


def set_up(client: httpx.Client, database_url: str, org_id: int, instances: int, rng: random.Random, result: dict) -> int:
    """The template, one request through the real actions (the seeded rows are held against
    it), then the bulk rows. Returns the viewer's member id."""
    owner_h, viewer_h = login(client, "13700000000"), login(client, "13600000000")
    viewer = client.get(f"/api/v1/orgs/{org_id}", headers=viewer_h).json()["my_member_id"]
    owner_member = client.get(f"/api/v1/orgs/{org_id}", headers=owner_h).json()["my_member_id"]
    prefix = f"/api/v1/orgs/{org_id}/approval"
    template = client.post(f"{prefix}/templates", headers=owner_h, json={
        "name": TEMPLATE_NAME,
        "form": [{"key": "subject", "label": "事项", "kind": "text", "required": True},
                 {"key": "amount", "label": "金额", "kind": "money", "required": True}],
        "flow": {"steps": [{"name": name, "kind": "submitter_choice"} for name in STEP_NAMES],
                 "remind_after_hours": REMIND_AFTER_HOURS},
    })
    template.raise_for_status()
    template = template.json()
    others = [m["id"] for m in client.get(f"/api/v1/orgs/{org_id}/members", headers=owner_h, params={"limit": 5}).json()["items"]
              if m["id"] not in (viewer, owner_member)]
    real = client.post(f"{prefix}/instances", headers=owner_h, json={
        "template_id": template["id"], "values": {"subject": "核对", "amount": "12.50"},
        "chosen": {"0": [viewer], "1": [others[0]], "2": [others[1]]}})
    real.raise_for_status()
    client.post(f"{prefix}/instances/{real.json()['id']}/approve", headers=viewer_h, json={}).raise_for_status()
    check_rows(database_url, real.json()["id"], reached=1)
    t0 = time.perf_counter()
    seeded = seed(database_url, org_id, template["id"], template["version_id"], viewer, instances, rng)
    result["seed"] |= {"wall_s": round(time.perf_counter() - t0, 1), "statuses": seeded["statuses"],
                       "viewer_pending": len(seeded["viewer_pending"]), "rows_checked_against_real_submit_and_approve": True}
    return viewer


def viewer_pending(database_url: str, viewer: int) -> list[int]:
    engine = _sync_engine(database_url)
    with engine.connect() as conn:
        ids = [i for (i,) in conn.execute(select(ApprovalTask.instance_id).where(
            ApprovalTask.member_id == viewer, ApprovalTask.status == "pending").order_by(ApprovalTask.instance_id))]
    engine.dispose()
    return ids


def measure(client: httpx.Client, server_pid: int, prefix: str, pool: list[int], requests: int, rng: random.Random) -> dict:
    n = min(requests, len(pool) // 2)
    timed(client, [f"{prefix}/boxes/pending"] * 30)
    timed(client, [f"{prefix}/instances/{i}" for i in pool[-30:]])
    out = {
        "pending_for_me": timed(client, [f"{prefix}/boxes/pending"] * n, server_pid),
        "instance_page": timed(client, [f"{prefix}/instances/{rng.choice(pool)}" for _ in range(n)], server_pid),
    }
    samples = []
    cpu_before = _cpu(server_pid)
    for iid in pool[:n]:
        start = time.perf_counter()
        r = client.post(f"{prefix}/instances/{iid}/approve", json={})
        samples.append((time.perf_counter() - start) * 1000)
        r.raise_for_status()
    cpu_ms = (_cpu(server_pid) - cpu_before) * 1000 / len(samples)
    out["approve"] = {
        "requests": len(samples), "server_cpu_ms_per_request": round(cpu_ms, 2),
        "p50_ms": round(statistics.median(samples), 2), "p99_ms": round(percentile(samples, 0.99), 2),
        "max_ms": round(max(samples), 2),
    }
    out["target"] = "p99 under 50 ms each"
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep the seeded database here; a later run with the same directory measures again "
                             "without seeding (each run approves requests, so the viewer's pending list shrinks)")
    args = parser.parse_args()
    rng = random.Random(6)
    work = args.data_dir or Path(tempfile.mkdtemp(prefix="tack-bench-approval-"))
    work.mkdir(parents=True, exist_ok=True)
    state_file = work / "bench-state.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else None
    env = {**os.environ, "TACK_DATA_DIR": str(work / "data")}
    database_url = Settings(data_dir=work / "data").resolved_database_url
    result: dict = {"benchmark": "approval", "instances": args.instances, "members": args.members, "database": "sqlite",
                    "seed": {"reused": state is not None}}
    setup_t0 = time.perf_counter()
    try:
        if state is None:
            sheet = work / "members.csv"
            make_csv(sheet, args.members)
            org = run_cli(["org", "create", "--name", "审批基准公司", "--owner-name", "管理员", "--owner-phone", "13700000000",
                           "--owner-password", "bench-password"], env)
            subprocess.run([str(BIN / "tack"), "member", "import", "--org", str(org["org_id"]), str(sheet), "--json"],
                           capture_output=True, text=True, env=env, check=True)
            run_cli(["member", "add", "--org", str(org["org_id"]), "--name", "审批人", "--phone", "13600000000",
                     "--password", "bench-password"], env)
            result["seed"]["setup_wall_s"] = round(time.perf_counter() - setup_t0, 1)
        server, base = start_server(env)
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(0, {1})
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                if state is None:
                    state = {"org_id": org["org_id"], "viewer": set_up(client, database_url, org["org_id"], args.instances, rng, result)}
                    state_file.write_text(json.dumps(state))
                client.headers.update(login(client, "13600000000"))
                pool = viewer_pending(database_url, state["viewer"])
                result["http"] = measure(client, server.pid, f"/api/v1/orgs/{state['org_id']}/approval", pool, args.requests, rng)
        finally:
            server.terminate()
            server.wait(10)
        result["machine"] = {"cpus": os.cpu_count(), "server_core": 0 if _taskset(0) else None,
                             "load_average_1m": round(os.getloadavg()[0], 1)}
    finally:
        if args.data_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
