"""Send rate limit state in the database: one GCRA arrival time per key, for every process."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import SendRate

LOCK_KEY = "*"
"""The row every sender updates before it reads the shared keys (written by revision 0013)."""


async def lock(session: AsyncSession) -> None:
    """Serialise this transaction's read-modify-write of the rates with every other sender's.

    On PostgreSQL the update locks the row until commit; on SQLite it is the transaction's first
    write, which takes the database's write lock before the arrival times are read (a plain
    read first could see times another process is about to move).
    """
    touch = (update(SendRate).where(SendRate.key == LOCK_KEY).values(tat=SendRate.tat)
             .execution_options(synchronize_session=False))
    if (await session.execute(touch)).rowcount == 0:  # type: ignore[attr-defined]
        # A schema made without the migration (or the row deleted by hand): put it back.
        await session.execute(_insert(session).values(key=LOCK_KEY, tat=0.0)
                              .on_conflict_do_nothing(index_elements=["key"]))
        await session.execute(touch)


async def load(session: AsyncSession, keys: Collection[str]) -> dict[str, float]:
    """The arrival times stored for ``keys``; a key without a row has none pending."""
    if not keys:
        return {}
    result = await session.execute(select(SendRate.key, SendRate.tat)
                                   .where(SendRate.key.in_(list(keys))))
    return {key: tat for key, tat in result.all()}


async def save(session: AsyncSession, tats: Mapping[str, float]) -> None:
    """Store the arrival times ``tats`` in one statement."""
    if not tats:
        return
    statement = _insert(session).values([{"key": key, "tat": tat} for key, tat in tats.items()])
    await session.execute(statement.on_conflict_do_update(
        index_elements=["key"], set_={"tat": statement.excluded.tat}))


async def prune(session: AsyncSession, *, before: float) -> int:
    """Delete keys whose arrival time is before ``before``: they no longer hold anything back."""
    result = await session.execute(delete(SendRate)
                                   .where(SendRate.tat < before, SendRate.key != LOCK_KEY))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _insert(session: AsyncSession) -> PgInsert | SqliteInsert:
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(SendRate)
    return sqlite_insert(SendRate)
