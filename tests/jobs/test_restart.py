"""A real server process (`tack serve`) is stopped while jobs are scheduled and started again:
every job takes effect exactly once, and the ones left over run after the restart."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, select

from tack.core.clock import utc_now
from tack.jobs import testing as test_jobs
from tack.storage.db import make_engine, make_sessionmaker
from tack.storage.jobs_table import Job
from tack.storage.migrate import upgrade_async
from tack.storage.uow import UnitOfWorkFactory

JOBS = 30
LEASE_SECONDS = 3
LONG = 10
STARTUP_DEADLINE_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`tack serve` in a subprocess, with the test-only `test.record` job registered."""

    def __init__(self, data_dir: Path, database_url: str) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.env = {
            **os.environ,
            "TACK_DATABASE_URL": database_url,
            "TACK_SECRET_KEY": "test-secret",
            "TACK_TEST_JOBS": "1",
            "TACK_JOBS_POLL_SECONDS": "0.2",
            "TACK_JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.pids: list[int] = []

    async def start(self) -> None:
        log = open(self.data_dir / f"server-{len(self.pids)}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tack.cli", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.data_dir,
        )
        self.pids.append(self.proc.pid)
        # A deadline, not a count of tries: on a busy 2-core machine (CI runs the SQLite and
        # PostgreSQL passes side by side) a cold start takes far longer than on a quiet one.
        deadline = asyncio.get_running_loop().time() + STARTUP_DEADLINE_S
        async with httpx.AsyncClient() as client:
            while asyncio.get_running_loop().time() < deadline:
                assert self.proc.poll() is None, (self.data_dir / f"server-{len(self.pids) - 1}.log").read_text()
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/api/openapi.json")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        self.proc.kill()  # not left running (and holding CPU) after the test
        self.proc.wait()
        raise AssertionError(f"the server did not start within {STARTUP_DEADLINE_S} s")

    async def stop(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        for _ in range(300):
            if self.proc.poll() is not None:
                return
            await asyncio.sleep(0.05)
        self.proc.kill()
        raise AssertionError("the server did not stop")


@pytest.fixture
async def shared_db(database_url: str, tmp_path: Path, app) -> AsyncIterator[tuple[str, UnitOfWorkFactory]]:  # type: ignore[no-untyped-def]
    """The database the server uses: the test PostgreSQL database (emptied after the test by the
    `app` fixture's cleaning), or a SQLite file of this test's own."""
    url = database_url if "postgresql" in database_url else f"sqlite+aiosqlite:///{tmp_path / 'tack.db'}"
    await upgrade_async(url)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(test_jobs.test_metadata.create_all)
        await conn.execute(delete(test_jobs.record_table))
    try:
        yield url, UnitOfWorkFactory(make_sessionmaker(engine))
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(test_jobs.record_table))
        await engine.dispose()


async def _records(uow_factory: UnitOfWorkFactory) -> list[tuple[str, int]]:
    t = test_jobs.record_table
    async with uow_factory() as uow:
        return [(r.key, r.pid) for r in (await uow.session.execute(select(t.c.key, t.c.pid))).all()]


async def _jobs(uow_factory: UnitOfWorkFactory) -> list[Job]:
    async with uow_factory() as uow:
        return list((await uow.session.execute(select(Job).order_by(Job.id))).scalars())


async def _wait(condition, seconds: float) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["graceful", "killed"])
async def test_jobs_survive_a_server_restart_and_run_once(
    sig: signal.Signals, shared_db: tuple[str, UnitOfWorkFactory], tmp_path: Path
) -> None:
    url, uow_factory = shared_db
    server = Server(tmp_path, url)
    await server.start()
    try:
        # Written from outside the server, as another process would: the server finds them
        # by polling. One job due every 0.1 s for 3 s, each taking 0.1 s, except job-10 (2 s):
        # the server is stopped while that one runs.
        start = utc_now()
        async with uow_factory() as uow:
            for i in range(JOBS):
                args = {"key": f"job-{i}", "sleep": 2 if i == LONG else 0.1}
                uow.enqueue("test.record", args, run_at=start + timedelta(seconds=0.1 * i))

        async def long_one_running() -> bool:
            return (await _jobs(uow_factory))[LONG].status == "running"

        await _wait(long_one_running, 20)
        await server.stop(sig)
        before = await _records(uow_factory)
        left = [j for j in await _jobs(uow_factory) if j.status != "done"]
        assert len(before) < JOBS and left, "stop the server while jobs are still scheduled"

        await server.start()

        async def all_done() -> bool:
            return all(j.status == "done" for j in await _jobs(uow_factory))

        await _wait(all_done, 30)
    finally:
        await server.stop(signal.SIGTERM)

    records = await _records(uow_factory)
    keys = sorted(key for key, _pid in records)
    assert keys == sorted(f"job-{i}" for i in range(JOBS))  # every job once, none twice
    first, second = server.pids
    assert {pid for _key, pid in records} == {first, second}
    jobs = await _jobs(uow_factory)
    assert {j.status for j in jobs} == {"done"} and all(j.last_error is None for j in jobs)
    long_pid = next(pid for key, pid in records if key == f"job-{LONG}")
    if sig == signal.SIGTERM:
        # A graceful stop lets the running handler finish (or hands it back uncounted).
        assert {j.attempts for j in jobs} == {1}
        assert long_pid == first
    else:
        # Killed mid-run: its lease expired, the new process ran it again; the first run's
        # write died with its transaction.
        assert jobs[LONG].attempts == 2
        assert long_pid == second
