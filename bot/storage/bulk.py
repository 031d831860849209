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
from typing import Any, cast

from sqlalchemy import BindParameter, Table, bindparam, event, insert
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

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


def carrying_queued(session: AsyncSession, statement: Update) -> Update:
    """``statement`` with the rows queued in ``session`` inserted by it too, on PostgreSQL: a
    data-modifying WITH per table (``INSERT ... VALUES`` of every row, in the order queued,
    as the ``executemany`` did). A group's log entries, its replies and the end of its turns
    then take one round trip instead of three. Elsewhere ``statement`` itself: the rows are
    written before it, as before any query.

    PostgreSQL runs every part of such a statement to completion even when nothing reads it,
    and all or none of it is kept, so the rows are as durable and as atomic as before.
    """
    if session.get_bind().dialect.name != "postgresql":
        return statement
    queued: dict[Any, list[dict[str, Any]]] | None = session.sync_session.info.pop(KEY, None)
    if not queued:
        return statement
    inserts = [insert(table).values([_bound(table, row) for row in rows]).cte(f"queued_{n}")
               for n, (table, rows) in enumerate(queued.items())]
    return statement.add_cte(*inserts)


def _bound(table: Table, row: dict[str, Any]) -> dict[str, BindParameter[Any]]:
    """``row`` with the column defaults it leaves out, each value its own anonymous
    parameter: two tables' INSERTs in one statement would otherwise both name theirs after
    their columns (``channel``, ``created_at``), and SQLAlchemy refuses the clash."""
    full = dict(row)
    for column in table.c:
        default = column.default
        if column.key in full or not isinstance(default, ScalarElementColumnDefault
                                                  | CallableColumnDefault):
            continue
        # SQLAlchemy wraps a callable default to take the execution context, unused here.
        full[column.key] = (cast(Any, default.arg)(None)
                            if isinstance(default, CallableColumnDefault)
                            else default.arg)
    return {key: bindparam(None, value, type_=table.c[key].type) for key, value in full.items()}


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
