"""The conversation an operator is shown is read with bounded work, however long a chat's
history: each chat's newest rows by the (channel, chat_id, id) index, then nothing more.

It runs for every group of turns. It used to number every message of each chat's history with
a window function. This test reads the executed plan's row counts on PostgreSQL, not a time.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event

from bot.storage.migrate import upgrade
from bot.storage.session import create_engine, create_sessionmaker
from bot.support.handoff_store import RECENT_MESSAGES, _recent_messages
from tests.storage.test_queue_plan import _rows_compared

pytestmark = pytest.mark.postgres

HISTORY = 20_000


async def test_a_long_history_is_not_read_to_show_its_last_messages(postgres_url: str) -> None:
    await upgrade(postgres_url)
    dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    # chat "long": HISTORY messages; chats "c0".."c9": three each.
    await connection.execute(
        "INSERT INTO messages (direction, channel, chat_id, text, created_at) "
        "SELECT CASE WHEN g % 2 = 0 THEN 'in' ELSE 'out' END, 'telegram', "
        "CASE WHEN g <= $1 THEN 'long' ELSE 'c' || (g % 10) END, 'm' || g, now() "
        "FROM generate_series(1, $1 + 30) g", HISTORY)
    await connection.execute("ANALYZE messages")
    engine = create_engine(postgres_url)
    statements: list[tuple[str, tuple[Any, ...]]] = []

    def keep(_conn: object, _cursor: object, statement: str, parameters: tuple[Any, ...],
             _context: object, _many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    chats = {("telegram", "long"), *(("telegram", f"c{n}") for n in range(10))}
    async with create_sessionmaker(engine)() as session:
        recent = await _recent_messages(session, chats)
    await engine.dispose()
    # The newest eight of the long chat, oldest first; each short chat whole.
    assert recent[("telegram", "long")] == tuple(
        ("customer" if g % 2 == 0 else "bot", f"m{g}")
        for g in range(HISTORY - RECENT_MESSAGES + 1, HISTORY + 1))
    assert all(len(recent[("telegram", f"c{n}")]) == 3 for n in range(10))
    [(statement, parameters)] = statements
    [plan] = json.loads(await connection.fetchval(
        "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, *parameters))
    await connection.close()
    assert _rows_compared(plan["Plan"]) < 20 * RECENT_MESSAGES * len(chats)
