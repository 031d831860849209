"""Send rate limit state in the database: one GCRA arrival time per key, for every process."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping

from sqlalchemy import Select, Update, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.base import table_of
from bot.storage.models import SendRate

LOCK_KEY = "*"
"""The row every sender updates before it reads the shared keys (written by revision 0013)."""


async def lock(session: AsyncSession) -> None:
    """Serialise this transaction's read-modify-write of the rates with every other sender's.

    On PostgreSQL the update locks the row until commit; on SQLite it is the transaction's first
    write, which takes the database's write lock before the arrival times are read (a plain
    read first could see times another process is about to move).
    """
    touch = _touch_statement()
    if (await session.execute(touch)).rowcount == 0:  # type: ignore[attr-defined]
        # A schema made without the migration (or the row deleted by hand): put it back.
        restore = _insert(session.get_bind().dialect.name).values(key=LOCK_KEY, tat=0.0)
        await session.execute(restore.on_conflict_do_nothing(index_elements=["key"]))
        await session.execute(touch)


async def load(session: AsyncSession, keys: Collection[str]) -> dict[str, float]:
    """The arrival times stored for ``keys``; a key without a row has none pending."""
    if not keys:
        return {}
    result = await session.execute(_load_statement(), {"keys": list(keys)})
    return {key: tat for key, tat in result.all()}


async def save(session: AsyncSession, tats: Mapping[str, float]) -> None:
    """Store the arrival times ``tats`` in one statement."""
    if not tats:
        return
    # In key order: two senders upserting the same keys then lock their rows in one order.
    await session.execute(_save_statement(session.get_bind().dialect.name),
                          [{"key": key, "tat": tats[key]} for key in sorted(tats)])


async def prune(session: AsyncSession, *, before: float) -> int:
    """Delete keys whose arrival time is before ``before``: they no longer hold anything back."""
    result = await session.execute(delete(SendRate)
                                   .where(SendRate.tat < before, SendRate.key != LOCK_KEY))
    return int(result.rowcount)  # type: ignore[attr-defined]


# Built once: a sender runs these for every batch it claims, and building a statement anew
# costs about as much CPU as running it (``save`` also compiled anew for every number of keys).
@functools.cache
def _touch_statement() -> Update:
    table = table_of(SendRate)
    return update(table).where(table.c.key == LOCK_KEY).values(tat=table.c.tat)


@functools.cache
def _load_statement() -> Select[str, float]:
    table = table_of(SendRate)
    return (select(table.c.key, table.c.tat)
            .where(table.c.key.in_(bindparam("keys", expanding=True))))


@functools.cache
def _save_statement(dialect: str) -> PgInsert | SqliteInsert:
    statement = _insert(dialect)
    return statement.on_conflict_do_update(index_elements=["key"],
                                           set_={"tat": statement.excluded.tat})


def _insert(dialect: str) -> PgInsert | SqliteInsert:
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table_of(SendRate))
