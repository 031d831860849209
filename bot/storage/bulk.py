"""Rows a transaction inserts many of, written in one statement per table.

On SQLite the ORM inserts new objects one statement each (it needs each row's id back, and
SQLite can't say which RETURNING row belongs to which object). Rows nobody needs the id of
right away (a turn's message log entry, its replies in the outbox) are queued here instead
and inserted with one ``executemany`` per table: before the session's next query (so reads
see them, as with autoflush), before its commit, and never after a rollback.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction
from sqlalchemy.orm import ORMExecuteState, Session

from bot.storage.base import Base

KEY = "sarafan.bulk"


def add_later(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> None:
    """Insert ``values`` as a row of ``model``'s table with the others queued in ``session``."""
    queued: dict[Any, list[dict[str, Any]]] = session.sync_session.info.setdefault(KEY, {})
    queued.setdefault(model.__table__, []).append(values)


def write_queued(session: Session) -> None:
    """Insert what is queued, a table at a time in the order first queued."""
    queued = session.info.pop(KEY, None)
    if not queued:
        return
    connection = session.connection()
    for table, rows in queued.items():
        connection.execute(table.insert(), rows)


@event.listens_for(Session, "do_orm_execute")
def _before_query(state: ORMExecuteState) -> None:
    write_queued(state.session)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    write_queued(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_queued(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(KEY, None)


@contextlib.asynccontextmanager
async def savepoint(session: AsyncSession) -> AsyncIterator[AsyncSessionTransaction]:
    """``session.begin_nested()``, once the queued rows are written: written inside the
    SAVEPOINT, a rollback of it would take them too. Every SAVEPOINT goes through here."""
    await session.run_sync(write_queued)
    async with session.begin_nested() as nested:
        yield nested
