"""The SQLite write gate (storage.sqlite_inline): one write transaction at a time per file,
handed back only once the transaction is really over; passed inline when free, waited for
on the event loop when not."""

import asyncio
import sqlite3

import pytest
from sqlalchemy.util import greenlet_spawn

from tack.storage.sqlite_inline import InlineConnection, WriteGate, await_inline


@pytest.fixture
def raw(tmp_path):  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(tmp_path / "gate.db", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TABLE child (ref INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
    yield conn
    conn.close()


async def test_a_failed_commit_keeps_the_gate_until_the_rollback(raw) -> None:  # type: ignore[no-untyped-def]
    gate = WriteGate(1.0)
    conn = InlineConnection(raw, gate)
    await greenlet_spawn(conn.begin, "IMMEDIATE")
    conn.cursor().execute("INSERT INTO child VALUES (42)")  # checked only at COMMIT
    with pytest.raises(sqlite3.IntegrityError):
        conn.commit()
    # Still inside the transaction: another writer must keep waiting.
    assert raw.in_transaction and gate.lock.locked()
    conn.rollback()
    assert not gate.lock.locked()
    assert raw.execute("SELECT count(*) FROM child").fetchone() == (0,)


async def test_a_good_commit_hands_the_gate_to_the_next_writer(raw) -> None:  # type: ignore[no-untyped-def]
    gate = WriteGate(1.0)
    conn = InlineConnection(raw, gate)
    await greenlet_spawn(conn.begin, "IMMEDIATE")
    conn.cursor().execute("INSERT INTO parent VALUES (1)")
    conn.commit()
    assert not gate.lock.locked()


async def test_a_writer_that_waits_too_long_is_told_the_database_is_locked(raw) -> None:  # type: ignore[no-untyped-def]
    gate = WriteGate(0.05)
    holder = InlineConnection(raw, gate)
    await greenlet_spawn(holder.begin, "IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await greenlet_spawn(InlineConnection(raw, gate).begin, "IMMEDIATE")
    holder.rollback()
    assert not gate.lock.locked()


async def test_a_waiting_writer_lets_the_loop_run_and_begins_once_the_gate_is_free(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "two.db"
    gate = WriteGate(5.0)
    first = InlineConnection(sqlite3.connect(path, isolation_level=None, timeout=0), gate)
    second = InlineConnection(sqlite3.connect(path, isolation_level=None, timeout=0), gate)
    await greenlet_spawn(first.begin, "IMMEDIATE")
    waiting = asyncio.ensure_future(greenlet_spawn(second.begin, "IMMEDIATE"))
    await asyncio.sleep(0)  # the second writer is now parked on the gate, not blocking the loop
    assert not waiting.done() and gate.holder is first
    first.commit()
    await waiting
    assert gate.holder is second and second.in_transaction
    second.rollback()
    assert not gate.lock.locked()


async def test_await_inline_runs_a_coroutine_that_does_not_suspend_without_the_event_loop() -> None:
    async def plain() -> int:
        return 7

    # Outside any greenlet: only possible because it never has to hand anything to the loop.
    assert await_inline(plain()) == 7


async def test_await_inline_hands_a_cancellation_into_the_waiting_coroutine() -> None:
    seen: list[str] = []

    async def waits() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    task = asyncio.ensure_future(greenlet_spawn(lambda: await_inline(waits())))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen == ["cancelled"]
