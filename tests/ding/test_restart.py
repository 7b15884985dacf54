"""A real `tack serve` process is stopped in the middle of a reminder schedule and started
again: every reminder round reaches every unconfirmed recipient exactly once."""

import asyncio
import signal
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tack.ding.models import DingDelivery
from tack.storage.db import make_engine, make_sessionmaker
from tack.storage.migrate import upgrade_async
from tack.storage.uow import UnitOfWorkFactory
from tests.jobs.test_restart import Server

ROUNDS = 8
MINUTE = 0.6  # seconds per schedule minute in the server under test


async def _rounds(uow_factory: UnitOfWorkFactory, ding_id: int) -> Counter[tuple[int, int]]:
    async with uow_factory() as uow:
        rows = (await uow.session.execute(
            select(DingDelivery.member_id, DingDelivery.round).where(DingDelivery.ding_id == ding_id, DingDelivery.kind == "reminder")
        )).all()
    return Counter((m, r) for m, r in rows)


async def _wait(condition, seconds: float) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["graceful", "killed"])
async def test_reminder_schedule_survives_a_restart(sig: signal.Signals, database_url: str, tmp_path: Path, app) -> None:  # type: ignore[no-untyped-def]
    url = database_url if "postgresql" in database_url else f"sqlite+aiosqlite:///{tmp_path / 'tack.db'}"
    await upgrade_async(url)
    engine = make_engine(url)
    uow_factory = UnitOfWorkFactory(make_sessionmaker(engine))
    server = Server(tmp_path, url)
    server.env["TACK_DING_MINUTE_SECONDS"] = str(MINUTE)
    await server.start()
    try:
        base = f"http://127.0.0.1:{server.port}/api/v1"
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            r = await http.post("/auth/signup", json={"name": "Alice", "phone": "13900000001", "password": "password-123"})
            token = r.json()["token"]
            h = {"authorization": f"Bearer {token}"}
            org = (await http.post("/orgs", json={"name": "Acme"}, headers=h)).json()
            ids = []
            for i in range(3):
                r = await http.post(f"/orgs/{org['id']}/members", json={"name": f"m{i}", "phone": f"1380000000{i}", "department_ids": [org["root_department_id"]]}, headers=h)
                assert r.status_code == 201, r.text
                ids.append(r.json()["member"]["id"])
            r = await http.post(
                f"/orgs/{org['id']}/dings",
                json={"member_ids": ids, "text": "机房断电", "remind_every_minutes": 1, "remind_times": ROUNDS},
                headers=h,
            )
            assert r.status_code == 201, r.text
            ding_id = r.json()["id"]

        async def some_rounds_done() -> bool:
            return len({r for _m, r in await _rounds(uow_factory, ding_id)}) >= 3

        await _wait(some_rounds_done, 30)
        await server.stop(sig)
        done_before = {r for _m, r in await _rounds(uow_factory, ding_id)}
        assert len(done_before) < ROUNDS, "stop the server in the middle of the schedule"
        await asyncio.sleep(MINUTE * 2)  # rounds fall due while no server runs
        await server.start()

        async def all_rounds_done() -> bool:
            return len(await _rounds(uow_factory, ding_id)) >= ROUNDS * len(ids)

        await _wait(all_rounds_done, 60)
        await asyncio.sleep(MINUTE * 2)  # nothing more comes
    finally:
        await server.stop(signal.SIGTERM)
        await engine.dispose()

    engine = make_engine(url)
    try:
        counts = await _rounds(UnitOfWorkFactory(make_sessionmaker(engine)), ding_id)
    finally:
        await engine.dispose()
    assert counts == Counter({(m, r): 1 for m in ids for r in range(1, ROUNDS + 1)})  # each once, none twice
