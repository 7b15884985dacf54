"""The SQLite writer leaves checkpoints (and their fsync) to a worker thread instead of doing
them inside COMMIT (storage/db.py, WalCheckpointer)."""

import asyncio
import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tack.storage.db import make_engine, make_sessionmaker, wal_checkpointer

pytestmark = pytest.mark.asyncio


@pytest.fixture
def sqlite_url(database_url: str) -> str:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's writer only")
    return database_url


async def _write(engine, value: str) -> None:  # type: ignore[no-untyped-def]
    async with make_sessionmaker(engine)() as session:
        await session.execute(text("INSERT INTO bench_probe (v) VALUES (:v)"), {"v": value})
        await session.commit()


@pytest.fixture
async def engine(sqlite_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(sqlite_url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS bench_probe (v TEXT)"))
    yield engine
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE bench_probe"))
    await engine.dispose()


async def test_commits_leave_the_checkpoint_to_a_worker_thread(engine, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar() == 0
    checkpointer = wal_checkpointer(engine)
    assert checkpointer is not None
    checkpointer.last = 0.0
    await _write(engine, "one")
    assert checkpointer.future is not None
    await asyncio.wait_for(asyncio.shield(checkpointer.future), 10)
    # Everything committed so far is now in the database file: a checkpoint finds nothing to copy.
    probe = sqlite3.connect(make_url(sqlite_url).database)
    try:
        busy, log_frames, checkpointed = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        probe.close()
    assert busy == 0 and log_frames == checkpointed


async def test_checkpoints_keep_one_connection_until_the_engine_is_disposed(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS bench_probe (v TEXT)"))
    checkpointer = wal_checkpointer(engine)
    assert checkpointer is not None
    kept = []
    for value in ("one", "two"):
        checkpointer.last = 0.0
        await _write(engine, value)
        assert checkpointer.future is not None
        await asyncio.wait_for(asyncio.shield(checkpointer.future), 10)
        kept.append(checkpointer._conn)
    # A new connection would parse the schema again at every checkpoint.
    assert kept[0] is not None and kept[0] is kept[1]
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE bench_probe"))
    await engine.dispose()
    if checkpointer.running:  # the DROP's commit may have started one: it closes when done
        await asyncio.wait_for(asyncio.shield(checkpointer.future), 10)  # type: ignore[arg-type]
    assert checkpointer._conn is None
    with pytest.raises(sqlite3.ProgrammingError):  # closed, not merely forgotten
        kept[0].execute("SELECT 1")
    checkpointer.last = 0.0
    checkpointer.after_commit()
    assert not checkpointer.running  # a disposed engine's checkpointer starts none
