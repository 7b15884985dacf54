"""An aiosqlite look-alike that runs SQLite calls inline on the event loop, for reads only.

Why: aiosqlite hands every call to a helper thread. A trivial SELECT then costs ~0.9 ms of
thread hand-offs (and GIL waits) against ~2 µs of SQLite work, and a directory read makes
five to seven of them. In WAL mode a read transaction never waits for a writer, so running
reads inline cannot stall the loop on a lock; writes keep aiosqlite, whose thread may wait
on BEGIN IMMEDIATE without blocking anyone else.

SQLAlchemy's aiosqlite dialect drives this through `async_creator`; the surface below is
exactly what that dialect touches (checked by the whole test suite running on it).
"""

import sqlite3
from collections.abc import Iterable
from typing import Any


class _InlineQueue:
    """Stands in for aiosqlite's task queue, which the dialect uses to set isolation_level."""

    def put_nowait(self, item: tuple[Any, Any]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting caller
            future.set_exception(exc)


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> "InlineCursor":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> "InlineCursor":
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
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._connection = conn  # the dialect checks this is truthy before commit/rollback
        self._tx = _InlineQueue()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> InlineCursor:
        return InlineCursor(self._conn.execute(sql, parameters))

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None  # type: ignore[assignment]

    def stop(self) -> None:
        self._conn.close()
        self._connection = None  # type: ignore[assignment]

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)


def inline_creator(path: str, *, busy_timeout_s: float):  # type: ignore[no-untyped-def]
    async def connect() -> InlineConnection:
        # Opened and used on the loop's thread only; the pool never hands it to another.
        return InlineConnection(sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None))

    return connect
