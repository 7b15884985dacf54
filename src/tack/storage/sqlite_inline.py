"""An aiosqlite look-alike that runs SQLite calls inline on the event loop.

Why: aiosqlite hands every call to a helper thread. A trivial SELECT then costs ~0.9 ms of
thread hand-offs (and GIL waits) against ~2 µs of SQLite work, and a directory read makes
five to seven of them; a chat message send made ten (~9 ms of its ~11 ms).

In WAL mode a read transaction never waits for a writer, so reads run inline as they are.
A write transaction (BEGIN IMMEDIATE) could wait for the write lock, which must never block
the loop: write connections pass a `WriteGate`, an asyncio lock per database file that
in-process writers queue on without blocking anyone, and their BEGIN IMMEDIATE runs with no
busy timeout, retried after an async sleep while another process (a CLI import) holds the
lock. Once BEGIN IMMEDIATE succeeded nothing in the transaction waits for a lock (WAL: the
writer holds the only lock COMMIT needs; checkpoints run elsewhere, PASSIVE).

SQLAlchemy's aiosqlite dialect drives this through `async_creator`; the surface below is
exactly what that dialect touches (checked by the whole test suite running on it).
"""

import asyncio
import sqlite3
import time
import weakref
from collections.abc import Iterable
from typing import Any

BEGIN_WRITE = "BEGIN IMMEDIATE"


class WriteGate:
    """One write transaction at a time per database file in this process (per event loop)."""

    def __init__(self, wait_s: float) -> None:
        self.lock = asyncio.Lock()
        self.holder: "InlineConnection | None" = None
        self.wait_s = wait_s

    async def begin(self, conn: "InlineConnection", cursor: sqlite3.Cursor) -> None:
        deadline = time.monotonic() + self.wait_s
        try:
            async with asyncio.timeout(self.wait_s):
                await self.lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        self.holder = conn
        delay = 0.001
        try:
            while True:
                try:
                    cursor.execute(BEGIN_WRITE)
                    return
                except sqlite3.OperationalError as exc:
                    # Another process holds the write lock: wait without blocking the loop.
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
        except BaseException:
            self.release(conn)
            raise

    def release(self, conn: "InlineConnection") -> None:
        if self.holder is conn:
            self.holder = None
            self.lock.release()


_GATES: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, WriteGate]]" = weakref.WeakKeyDictionary()


def write_gate(path: str, wait_s: float) -> WriteGate:
    loop = asyncio.get_running_loop()
    gates = _GATES.setdefault(loop, {})
    gate = gates.get(path)
    if gate is None or path == ":memory:":
        gate = gates[path] = WriteGate(wait_s)
    return gate


class _InlineQueue:
    """Stands in for aiosqlite's task queue, which the dialect uses to set isolation_level."""

    def put_nowait(self, item: tuple[Any, Any]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller
            future.set_exception(exc)


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor, conn: "InlineConnection | None" = None) -> None:
        self._cursor = cursor
        self._owner = conn

    async def __aenter__(self) -> "InlineCursor":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> "InlineCursor":
        owner = self._owner
        if owner is not None and owner.gate is not None and sql == BEGIN_WRITE:
            await owner.gate.begin(owner, self._cursor)
            return self
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> "InlineCursor":
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    def __init__(self, conn: sqlite3.Connection, gate: WriteGate | None = None) -> None:
        self._conn = conn
        self._connection = conn  # the dialect checks this is truthy before commit/rollback
        self._tx = _InlineQueue()
        self.gate = gate

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor(), self)

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> InlineCursor:
        cursor = InlineCursor(self._conn.cursor(), self)
        return await cursor.execute(sql, parameters)

    def _release(self) -> None:
        if self.gate is not None:
            self.gate.release(self)

    async def commit(self) -> None:
        try:
            self._conn.commit()
        finally:
            # A COMMIT that failed leaves the transaction open: the gate is handed back by
            # the rollback that follows, not before (another writer would find it locked).
            if not self._conn.in_transaction:
                self._release()

    async def rollback(self) -> None:
        try:
            self._conn.rollback()
        finally:
            self._release()

    async def close(self) -> None:
        try:
            if self._connection is not None:
                self._conn.close()
                self._connection = None  # type: ignore[assignment]
        finally:
            self._release()

    def stop(self) -> None:
        try:
            self._conn.close()
            self._connection = None  # type: ignore[assignment]
        finally:
            self._release()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)


def inline_creator(path: str, *, busy_timeout_s: float, writes: bool = False):  # type: ignore[no-untyped-def]
    """Connections for the read engine, or (writes=True) for the write engine: these begin
    write transactions through the WriteGate and never wait for a lock inside SQLite."""

    async def connect() -> InlineConnection:
        # Opened and used on the loop's thread only; the pool never hands it to another.
        if writes:
            conn = sqlite3.connect(path, timeout=0, isolation_level=None)
            return InlineConnection(conn, write_gate(path, busy_timeout_s))
        return InlineConnection(sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None))

    return connect
