"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from tack.storage.sqlite_inline import inline_creator


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _tune_sqlite(engine)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _tune_sqlite(engine: AsyncEngine) -> None:
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
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def make_read_engine(url: str, write_engine: AsyncEngine) -> AsyncEngine:
    """PostgreSQL reads share the write engine. SQLite reads get their own engine whose
    connections run inline on the event loop (storage/sqlite_inline.py) and begin DEFERRED,
    so in WAL mode they never wait for the write lock."""
    if not is_sqlite(url):
        return write_engine
    path = make_url(url).database or ":memory:"
    engine = create_async_engine(url, async_creator=inline_creator(path, busy_timeout_s=5))
    _tune_sqlite(engine)
    return engine.execution_options(sqlite_begin="DEFERRED")


def read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
