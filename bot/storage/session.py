"""Engine and session factory; SQLite gets WAL and a busy timeout so workers can share it."""

from __future__ import annotations

import asyncio
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


_write_locks: weakref.WeakKeyDictionary[SessionMaker, asyncio.Lock] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def writing(sessionmaker: SessionMaker) -> AsyncIterator[None]:
    """Around a write transaction: on SQLite, one at a time in this process.

    SQLite has one writer; a second one waits in its busy handler, which sleeps in steps of up
    to 100 ms. Queueing our own writers here instead hands the lock over the moment it is free.
    On PostgreSQL row locks do this job, and writers run side by side.
    """
    if dialect_of(sessionmaker) != "sqlite":
        yield
        return
    lock = _write_locks.get(sessionmaker)
    if lock is None:
        lock = _write_locks[sessionmaker] = asyncio.Lock()
    async with lock:
        yield


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
