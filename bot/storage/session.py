"""Engine and session factory; SQLite gets WAL and a busy timeout so workers can share it."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage import sqlite_driver

SessionMaker = async_sessionmaker[AsyncSession]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


POOL_SIZES = {"postgresql": 20, "sqlite": 5}
"""Connections kept open when ``Settings.database_pool`` is unset (its docstring says why)."""


def create_engine(url: str, *, pool_size: int | None = None) -> AsyncEngine:
    """An async engine keeping up to ``pool_size`` connections open (unset: ``POOL_SIZES``),
    and as many again for peaks (closed after use); creates the SQLite file's folder so a
    fresh clone just works."""
    parsed = make_url(url)
    size = pool_size or POOL_SIZES.get(parsed.get_backend_name(), 5)
    pool: dict[str, Any] = {"pool_size": size, "max_overflow": size}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        else:
            pool = {}  # one shared in-memory connection (StaticPool): nothing to size
        if parsed.get_driver_name() == "aiosqlite":
            pool["module"] = sqlite_driver.dbapi()  # one trip to its thread per statement
        engine = create_async_engine(url, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No ping before every checkout (a round trip and ~0.2 ms of CPU per transaction, several
    # per update): after a restart of the server the first use of a dead pooled connection
    # fails as a disconnect, which makes SQLAlchemy drop every connection pooled before it;
    # that one failure is handled like any outage (a 503 the platform redelivers, a turn
    # retried), so nothing is lost.
    return create_async_engine(url, pool_pre_ping=False, **pool)


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def dialect_of(sessionmaker: SessionMaker) -> str | None:
    """The name of the database ``sessionmaker`` is bound to (``"postgresql"``, ``"sqlite"``);
    None for one bound per session."""
    engine = sessionmaker.kw.get("bind")
    return None if engine is None else str(engine.dialect.name)


_statementwise: weakref.WeakKeyDictionary[SessionMaker, SessionMaker] = weakref.WeakKeyDictionary()


def statementwise(sessionmaker: SessionMaker) -> SessionMaker:
    """Sessions whose every statement commits on its own, on PostgreSQL; elsewhere
    ``sessionmaker`` itself.

    For work of one statement, or of statements that need no transaction around them (a
    compare-and-swap claim and the reads after it): BEGIN and COMMIT are two round trips
    of their own, ~0.2 ms of the bot's CPU and ~0.35 ms of waiting each time, and the
    webhook's insert and the queue's claim run for every update or group. On PostgreSQL
    a statement outside a transaction block is committed, durably, before its result
    comes back. SQLite keeps its transactions: there ``writing`` and the driver's own
    BEGIN decide when its one write lock is taken.
    """
    if dialect_of(sessionmaker) != "postgresql":
        return sessionmaker
    found = _statementwise.get(sessionmaker)
    if found is None:
        found = _statementwise[sessionmaker] = async_sessionmaker(
            sessionmaker.kw["bind"].execution_options(isolation_level="AUTOCOMMIT"), **{
                key: value for key, value in sessionmaker.kw.items() if key != "bind"})
    return found


class WriteLock:
    """One writer at a time in this process, an urgent writer before every other waiting one.

    The webhook's insert is urgent: a platform waits for its 200 (Telegram holds back the
    chat's next updates meanwhile), while a turn's group or a send's claim is work the inbox
    already keeps safe. With a first-come lock an insert queued behind two groups and a
    claim; now it waits only for the transaction in progress.
    """

    def __init__(self) -> None:
        self._held = False
        self._urgent: collections.deque[asyncio.Future[None]] = collections.deque()
        self._others: collections.deque[asyncio.Future[None]] = collections.deque()

    async def acquire(self, *, urgent: bool = False) -> None:
        if not self._held and not self._urgent and not self._others:
            self._held = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        (self._urgent if urgent else self._others).append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed the lock as it was cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    (self._urgent if urgent else self._others).remove(waiter)
            raise

    def release(self) -> None:
        """Hand the lock to the next waiter (urgent ones first), or free it."""
        for waiters in (self._urgent, self._others):
            while waiters:
                waiter = waiters.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # ownership passes on: _held stays True
                    return
        self._held = False

    def locked(self) -> bool:
        return self._held


_write_locks: weakref.WeakKeyDictionary[SessionMaker, WriteLock] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def writing(sessionmaker: SessionMaker, *, urgent: bool = False) -> AsyncIterator[None]:
    """Around a write transaction: on SQLite, one at a time in this process.

    SQLite has one writer; a second one waits in its busy handler, which sleeps in steps of up
    to 100 ms. Queueing our own writers here instead hands the lock over the moment it is free,
    to an ``urgent`` writer first (``WriteLock``). On PostgreSQL row locks do this job, and
    writers run side by side.
    """
    if dialect_of(sessionmaker) != "sqlite":
        yield
        return
    lock = _write_locks.get(sessionmaker)
    if lock is None:
        lock = _write_locks[sessionmaker] = WriteLock()
    await lock.acquire(urgent=urgent)
    try:
        yield
    finally:
        lock.release()


async def open_transaction(session: AsyncSession) -> None:
    """Begin ``session``'s transaction in the database now, before any SAVEPOINT.

    The sqlite3 driver sends BEGIN only before an INSERT, UPDATE or DELETE; a SAVEPOINT sent
    first would open the transaction itself and its RELEASE would commit everything so far.
    So on SQLite this sends BEGIN IMMEDIATE (the write lock at once: a write transaction that
    read first could not take it later without failing); elsewhere it only connects.
    """
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
