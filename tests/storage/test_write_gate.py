"""The SQLite write gate (storage.sqlite_inline): one write transaction at a time per file,
handed back only once the transaction is really over."""

import sqlite3

import pytest

from tack.storage.sqlite_inline import BEGIN_WRITE, InlineConnection, WriteGate


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
    await conn.cursor().execute(BEGIN_WRITE)
    await conn.cursor().execute("INSERT INTO child VALUES (42)")  # checked only at COMMIT
    with pytest.raises(sqlite3.IntegrityError):
        await conn.commit()
    # Still inside the transaction: another writer must keep waiting.
    assert raw.in_transaction and gate.lock.locked()
    await conn.rollback()
    assert not gate.lock.locked()
    assert raw.execute("SELECT count(*) FROM child").fetchone() == (0,)


async def test_a_good_commit_hands_the_gate_to_the_next_writer(raw) -> None:  # type: ignore[no-untyped-def]
    gate = WriteGate(1.0)
    conn = InlineConnection(raw, gate)
    await conn.cursor().execute(BEGIN_WRITE)
    await conn.cursor().execute("INSERT INTO parent VALUES (1)")
    await conn.commit()
    assert not gate.lock.locked()


async def test_a_writer_that_waits_too_long_is_told_the_database_is_locked(raw) -> None:  # type: ignore[no-untyped-def]
    gate = WriteGate(0.05)
    holder = InlineConnection(raw, gate)
    await holder.cursor().execute(BEGIN_WRITE)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await gate.begin(InlineConnection(raw, gate), raw.cursor())
    await holder.rollback()
    assert not gate.lock.locked()
