"""``sqlite_driver``: each statement is one trip to aiosqlite's thread, and what SQLAlchemy reads
from a cursor (rows, rowcount, lastrowid, errors, streamed results) is what the stock one gives."""

from __future__ import annotations

import collections
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite.core
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.session import create_engine

ITEMS = Table("items", MetaData(), Column("id", Integer, primary_key=True),
              Column("name", String, unique=True, nullable=False))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An SQLite file with the ``items`` table, through the bot's own engine."""
    made = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    async with made.begin() as connection:
        await connection.run_sync(ITEMS.metadata.create_all)
    yield made
    await made.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[collections.Counter[str]]:
    """The calls made on aiosqlite's thread, by the name of what each ran."""
    counted: collections.Counter[str] = collections.Counter()
    execute = aiosqlite.core.Connection._execute

    async def counting(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counted[getattr(fn, "__name__", repr(fn))] += 1
        return await execute(self, fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counting)
    yield counted


async def test_a_statement_is_one_trip_and_reads_like_the_stock_cursor(
    engine: AsyncEngine, trips: collections.Counter[str]
) -> None:
    async with engine.begin() as connection:
        trips.clear()
        inserted = await connection.execute(insert(ITEMS).values(name="a"))
        assert inserted.inserted_primary_key == (1,)  # lastrowid
        returned = await connection.execute(
            insert(ITEMS).returning(ITEMS.c.id, ITEMS.c.name), [{"name": "b"}, {"name": "c"}])
        assert sorted(returned.all()) == [(2, "b"), (3, "c")]
        many = await connection.execute(insert(ITEMS), [{"name": "d"}, {"name": "e"}])
        assert many.rowcount == 2  # executemany
        changed = await connection.execute(
            update(ITEMS).where(ITEMS.c.id > 3).values(name=ITEMS.c.name + "!"))
        assert changed.rowcount == 2
        rows = await connection.execute(select(ITEMS.c.name).order_by(ITEMS.c.id))
        assert rows.scalars().all() == ["a", "b", "c", "d!", "e!"]
        assert (await connection.execute(select(ITEMS).where(ITEMS.c.id == 99))).first() is None
        assert trips == {"_run": 6}  # the stock cursor: 21 (cursor, execute, fetchall, close)
        with pytest.raises(IntegrityError):
            await connection.execute(insert(ITEMS).values(name="a"))
    async with engine.connect() as connection:  # a server-side cursor streams as before
        streamed = await connection.stream(select(ITEMS.c.id).order_by(ITEMS.c.id))
        assert [row.id async for row in streamed] == [1, 2, 3, 4, 5]


async def test_a_rollback_is_skipped_only_when_no_transaction_can_be_open(
    engine: AsyncEngine, trips: collections.Counter[str]
) -> None:
    trips.clear()
    async with engine.begin() as connection:
        await connection.execute(insert(ITEMS).values(name="kept"))
    # Committed, then returned to the pool, which rolls back: nothing was open, no trip.
    assert (trips["commit"], trips["rollback"]) == (1, 0)
    with pytest.raises(RuntimeError):
        async with engine.begin() as connection:
            await connection.execute(insert(ITEMS).values(name="dropped"))
            raise RuntimeError("the transaction is rolled back")
    assert trips["rollback"] == 1
    async with engine.connect() as connection:
        names = await connection.execute(select(ITEMS.c.name))
        assert names.scalars().all() == ["kept"]
