"""SQLite for SQLAlchemy's asyncio engine, run inline on the event loop (dialect "sqlite+tackinline").

Why inline: aiosqlite hands every call to a helper thread. A trivial SELECT then cost ~0.9 ms
of thread hand-offs (and GIL waits) against ~2 µs of SQLite work, and a chat message send
made ten of them (~9 ms of its ~11 ms).

Why a dialect of our own: SQLAlchemy's aiosqlite adapter, even over connections that run
inline, awaits each call: per statement a coroutine, a lock and two greenlet switches out to
the event loop and back. Here SQLAlchemy drives sqlite3's own connection and cursors
directly inside its greenlet (the dialect is pysqlite's, declared async so that
`create_async_engine` takes it), and only beginning a write transaction may wait.

In WAL mode a read transaction never waits for a writer, so reads run as they are. A write
transaction (BEGIN IMMEDIATE) could wait for the write lock, which must never block the loop:
write connections pass a `WriteGate`, an asyncio lock per database file that in-process writers
queue on without blocking anyone, and their BEGIN IMMEDIATE runs with no busy timeout, retried
after an async sleep while another process (a CLI import) holds the lock. Once BEGIN IMMEDIATE
succeeded nothing in the transaction waits for a lock (WAL: the writer holds the only lock
COMMIT needs; checkpoints run elsewhere, PASSIVE). The gate is passed inline when it is free
(`await_inline`) and through SQLAlchemy's greenlet to the event loop when it is not.
"""

import asyncio
import sqlite3
import time
import weakref
from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import engine as _asyncio_engine
from sqlalchemy.util import await_, greenlet_spawn

T = TypeVar("T")

BEGIN_WRITE = "BEGIN IMMEDIATE"
DRIVER = "sqlite+tackinline"


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


def await_inline(awaitable: Awaitable[T]) -> T:
    """`await_` for a coroutine that usually finishes without suspending (a free lock): it is
    run right here, and only if it does suspend is the rest of it handed to the event loop
    through SQLAlchemy's greenlet. Must be called inside SQLAlchemy's greenlet."""
    coro = awaitable.__await__()
    try:
        first = coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    return await_(_Rest(coro, first))


class _Rest:
    """The rest of a started coroutine, awaitable by the event loop's task: what it yielded
    first goes to the task, and whatever the task sends or throws back goes on into it."""

    def __init__(self, coro: Generator[Any, Any, Any], first: Any) -> None:
        self.coro = coro
        self.first = first

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, yielded = self.coro, self.first
        while True:
            try:
                sent = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - thrown in by the task (a cancellation)
                try:
                    yielded = coro.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    yielded = coro.send(sent)
                except StopIteration as done:
                    return done.value


class InlineCursor(sqlite3.Cursor):
    """sqlite3's cursor (execute and fetch stay C calls), plus the one hook SQLAlchemy's
    asyncio results call before a result leaves the greenlet: nothing to do, since reading
    the rest of the rows never waits."""

    async def _async_soft_close(self) -> None:
        return None


class InlineConnection:
    """The DBAPI connection SQLAlchemy sees: sqlite3's own, with write transactions begun
    through the gate and the gate handed back when they end."""

    __slots__ = ("_conn", "gate")

    def __init__(self, conn: sqlite3.Connection, gate: WriteGate | None = None) -> None:
        self._conn = conn
        self.gate = gate

    def cursor(self) -> InlineCursor:
        return self._conn.cursor(InlineCursor)

    def begin(self, mode: str) -> None:
        """BEGIN <mode>; IMMEDIATE on a write connection waits for the gate first."""
        if self.gate is not None and mode == "IMMEDIATE":
            await_inline(self.gate.begin(self, self._conn.cursor()))
        else:
            self._conn.execute(f"BEGIN {mode}")

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._conn.isolation_level = value

    def _release(self) -> None:
        if self.gate is not None:
            self.gate.release(self)

    def commit(self) -> None:
        try:
            self._conn.commit()
        finally:
            # A COMMIT that failed leaves the transaction open: the gate is handed back by
            # the rollback that follows, not before (another writer would find it locked).
            if not self._conn.in_transaction:
                self._release()

    def rollback(self) -> None:
        try:
            self._conn.rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            self._conn.close()
        finally:
            self._release()

    def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)


def inline_connector(path: str, *, busy_timeout_s: float, writes: bool = False) -> Callable[[], InlineConnection]:
    """Connections for the read engine, or (writes=True) for the write engine: these begin
    write transactions through the WriteGate and never wait for a lock inside SQLite."""

    def connect() -> InlineConnection:
        # Opened and used on the loop's thread only; the pool never hands it to another.
        if writes:
            return InlineConnection(sqlite3.connect(path, timeout=0, isolation_level=None), write_gate(path, busy_timeout_s))
        return InlineConnection(sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None))

    return connect


class SQLiteDialect_tackinline(SQLiteDialect_pysqlite):  # noqa: N801 - SQLAlchemy's naming
    driver = "tackinline"
    supports_statement_cache = True
    is_async = True  # its connections live on the event loop (create_async_engine only)

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool


registry.register("sqlite.tackinline", __name__, "SQLiteDialect_tackinline")


def _spawn_without_await_check(fn: Callable[..., T], *args: Any, _require_await: bool = False, **kw: Any) -> Awaitable[T]:
    return greenlet_spawn(fn, *args, **kw)


# AsyncConnection.execute/exec_driver_sql/stream insist that the driver awaited something
# (a guard against sync drivers, which would block the loop). This driver runs SQLite inline
# on purpose, so that guard is lifted; AsyncSession and run_sync never had it.
_asyncio_engine.greenlet_spawn = _spawn_without_await_check  # type: ignore[assignment]
