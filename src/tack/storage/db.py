"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

import asyncio
import logging
import sqlite3
import time
import weakref
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import greenlet_spawn

T = TypeVar("T")

from tack.storage.sqlite_inline import DRIVER, inline_connector


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        path = make_url(url).database or ":memory:"
        # Writes run inline too (storage/sqlite_inline.py): queued on an asyncio lock, never
        # waiting inside SQLite (busy timeout 0; BEGIN IMMEDIATE retried asynchronously for
        # up to 30 s while another process writes).
        engine = create_async_engine(_inline_url(url), echo=echo, creator=inline_connector(path, busy_timeout_s=30, writes=True))
        _tune_sqlite(engine, busy_timeout_ms=0, autocheckpoint=False)
        checkpointer = WalCheckpointer(path)
        _CHECKPOINTERS[engine.sync_engine] = checkpointer
        event.listen(engine.sync_engine, "commit", lambda _conn: checkpointer.after_commit())
        event.listen(engine.sync_engine, "engine_disposed", lambda _engine: checkpointer.close())
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _inline_url(url: str) -> URL:
    """The same database through Tack's inline driver (storage/sqlite_inline.py), whatever
    driver the configured URL names (sqlite+aiosqlite:// in settings and older configs)."""
    return make_url(url).set(drivername=DRIVER)


def _tune_sqlite(engine: AsyncEngine, *, busy_timeout_ms: int, autocheckpoint: bool = True, cache_kib: int | None = None) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # pysqlite's own transaction handling is turned off so that BEGIN IMMEDIATE below
        # is the only BEGIN: two writers then queue on the lock instead of deadlocking
        # when one upgrades from a read to a write.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if not autocheckpoint:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        if cache_kib is not None:
            cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode != "NONE":  # NONE: single-statement reads (see single_read_engine)
            conn.connection.dbapi_connection.begin(mode)


class WalCheckpointer:
    """Copies the WAL back into the database file off the event loop, at most twice a second.

    Why: SQLite's automatic checkpoint runs inside COMMIT and fsyncs. Every request holds a
    read transaction while it writes, so the WAL can never be reset and, once past 1,000
    pages, every COMMIT checkpointed and fsynced again: 11 ms per chat message instead of
    0.1 ms. The writer therefore never checkpoints; a PASSIVE checkpoint (it waits for no
    one) runs in a worker thread after commits instead, on a connection of its own.

    That connection is kept: a new SQLite connection parses the whole schema at its first
    statement, which was most of a checkpoint's CPU (~5 % of the server's at 20 messages/s).
    Only one checkpoint runs at a time, so one thread at a time uses it.
    """

    MIN_INTERVAL_S = 0.5

    def __init__(self, path: str) -> None:
        self.path = path
        self.running = False
        self.last = 0.0
        self.future: asyncio.Future[None] | None = None
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    def after_commit(self) -> None:
        now = time.monotonic()
        if self.running or self._closed or now - self.last < self.MIN_INTERVAL_S or self.path == ":memory:":
            return
        self.last = now
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not on a loop: the connection's own close checkpoints
        self.running = True
        self.future = loop.run_in_executor(None, self._checkpoint)
        self.future.add_done_callback(self._done)

    def _done(self, future: "asyncio.Future[None]") -> None:
        self.running = False
        if not future.cancelled() and future.exception() is not None:
            logging.getLogger("tack.storage").warning("WAL checkpoint failed: %s", future.exception())
        if self._closed:
            self._close_connection()

    def _checkpoint(self) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, timeout=5, check_same_thread=False)
        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        """No more checkpoints; the kept connection is closed now, or when the running one ends."""
        self._closed = True
        if not self.running:
            self._close_connection()

    def _close_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


_CHECKPOINTERS: "weakref.WeakKeyDictionary[object, WalCheckpointer]" = weakref.WeakKeyDictionary()


def wal_checkpointer(engine: AsyncEngine) -> WalCheckpointer | None:
    """The checkpointer of a SQLite write engine (None for PostgreSQL and read engines)."""
    return _CHECKPOINTERS.get(engine.sync_engine)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


READ_POOL = 100
READ_CACHE_KIB = 256


def make_read_engine(url: str, write_engine: AsyncEngine) -> AsyncEngine:
    """PostgreSQL reads share the write engine. SQLite reads get their own engine whose
    connections run inline on the event loop (storage/sqlite_inline.py) and begin DEFERRED,
    so in WAL mode they never wait for the write lock."""
    if not is_sqlite(url):
        return write_engine
    path = make_url(url).database or ":memory:"
    # A request holds a connection only while its session is open, so a large pool lets
    # hundreds of sockets register at once instead of queueing behind the default 5 + 10.
    # All 100 are kept once opened: an overflow connection closed after each use was reopened
    # by the next burst, and a new SQLite connection parses the whole schema at its first
    # statement (5,000 clients re-registering after a restart: 3.15 -> 2.1 ms of server CPU
    # each with 100 kept instead of 20 + 80 overflow). Each keeps its own page cache, so it is
    # capped at 256 KiB (SQLite's default is 2 MiB; the file's pages stay in the OS cache):
    # at 5,000 sockets the server held 309 MB with 100 default caches, 206 MB with these,
    # 219 MB with the old 20 + 80.
    engine = create_async_engine(
        _inline_url(url), creator=inline_connector(path, busy_timeout_s=5), pool_size=READ_POOL, max_overflow=0, pool_timeout=10
    )
    _tune_sqlite(engine, busy_timeout_ms=5000, cache_kib=READ_CACHE_KIB)
    return engine.execution_options(sqlite_begin="DEFERRED")


def single_read_engine(read_engine: AsyncEngine) -> AsyncEngine:
    """The read engine for hot reads of one statement (run_single_read): on SQLite it sends
    no BEGIN, as a lone SELECT is already a consistent snapshot in WAL mode, which saves a
    round of SQLAlchemy's statement machinery per request. Same pool; on PostgreSQL the
    option means nothing."""
    return read_engine.execution_options(sqlite_begin="NONE")


async def run_single_read(engine: AsyncEngine, read: Callable[[Connection], T]) -> T:
    """Runs `read(connection)`, plain synchronous SQLAlchemy on a pooled connection of
    `engine` (a single_read_engine), in ONE hop into SQLAlchemy's greenlet. An AsyncConnection
    makes a hop (and, to close, an asyncio task) for the checkout, each statement and the
    return: measured 0.44 → 0.27 ms of CPU for /user/get's read. `greenlet_spawn` is the
    helper AsyncConnection.run_sync itself uses. For ONE statement (or statements that need
    not agree, such as a lookup of something that never changes): no transaction spans them."""

    def run() -> T:
        with engine.sync_engine.connect() as connection:
            return read(connection)

    return await greenlet_spawn(run)


def read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
