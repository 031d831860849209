"""The queue claim on PostgreSQL when a burst follows a quiet spell (statistics gone stale).

A bot that was quiet has statistics saying the inbox holds finished rows only; then a post
goes viral and thousands of updates are pending before autovacuum analyzes the table again.
The claim query used to be planned, with those statistics, as a nested loop over every pair of
pending rows (5,000 pending: 2.5 million rows compared, 1.4-2.7 s a claim). This test reads the
executed plan's row counts, not a time.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event

from bot.storage import queue
from bot.storage.migrate import upgrade
from bot.storage.models import InboxItem
from bot.storage.session import create_engine, create_sessionmaker

pytestmark = pytest.mark.postgres

PENDING = 5000
CHATS = 500


def _rows_compared(node: dict[str, Any]) -> int:
    """Rows every node of an executed plan produced or threw away, over all its loops."""
    own = (node.get("Actual Rows", 0) + node.get("Rows Removed by Join Filter", 0)
           + node.get("Rows Removed by Filter", 0)) * node.get("Actual Loops", 1)
    return int(own) + sum(_rows_compared(child) for child in node.get("Plans", []))


async def _quiet_then_burst(postgres_url: str) -> asyncpg.Connection:
    """The inbox after a quiet spell (analyzed with every row finished), then a burst."""
    await upgrade(postgres_url)
    dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    insert = ("INSERT INTO inbox (channel, update_id, chat_key, message, status, attempts, "
              "received_at) SELECT 'telegram', g::text, 'telegram::' || (g % $1), '{}', $2, 0, "
              "now() FROM generate_series($3::int, $4::int) g")
    await connection.execute(insert, CHATS, "done", 1, CHATS)
    await connection.execute("ANALYZE inbox")  # the quiet spell: every row finished
    await connection.execute(insert, CHATS, "pending", CHATS + 1, CHATS + PENDING)
    return connection


def _recording(engine: Any) -> list[tuple[str, tuple[Any, ...]]]:
    statements: list[tuple[str, tuple[Any, ...]]] = []

    def keep(_conn: object, _cursor: object, statement: str, parameters: tuple[Any, ...],
             _context: object, _many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    return statements


async def test_a_burst_after_a_quiet_spell_is_claimed_without_comparing_every_pair(
    postgres_url: str,
) -> None:
    connection = await _quiet_then_burst(postgres_url)
    engine = create_engine(postgres_url)
    statements = _recording(engine)
    async with create_sessionmaker(engine)() as session:
        rows = await queue.candidates(session, InboxItem, skip_chats={"telegram::0"}, limit=32)
    await engine.dispose()
    assert len(rows) == 32
    assert len({row.chat_key for row in rows}) == 32  # one per chat, each its chat's oldest
    assert all(row.id <= 2 * CHATS for row in rows)
    [(statement, parameters)] = statements
    [plan] = json.loads(await connection.fetchval(
        "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, *parameters))
    await connection.close()
    # One sorted pass and a few lookups: a few times the pending rows, not their square.
    assert _rows_compared(plan["Plan"]) < 10 * PENDING


async def test_the_one_statement_claim_is_planned_the_same_way(postgres_url: str) -> None:
    """``claim_firsts`` (the processor's claim on PostgreSQL) reads as ``candidates`` does,
    and gives back the rows as they were read, now claimed in the table."""
    connection = await _quiet_then_burst(postgres_url)
    engine = create_engine(postgres_url)
    statements = _recording(engine)
    async with create_sessionmaker(engine).begin() as session:
        claimed = await queue.claim_firsts(session, skip_chats={"telegram::0"}, limit=32,
                                           lease_seconds=30, worker="w1")
    await engine.dispose()
    assert len(claimed) == 32
    assert len({row.chat_key for row, _, _ in claimed}) == 32
    assert all(row.id <= 2 * CHATS for row, _, _ in claimed)
    assert {(row.status, row.attempts, queued) for row, _, queued in claimed} == {
        ("pending", 0, PENDING // CHATS)}
    [token] = {token for _, token, _ in claimed}
    assert await connection.fetchval(
        "SELECT count(*) FROM inbox WHERE status = 'processing' AND attempts = 1 "
        "AND claim_token = $1 AND claimed_by = 'w1'", token) == 32
    [(statement, parameters)] = statements
    explained = connection.transaction()  # EXPLAIN ANALYZE runs the UPDATE: not kept
    await explained.start()
    [plan] = json.loads(await connection.fetchval(
        "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, *parameters))
    await explained.rollback()
    await connection.close()
    assert _rows_compared(plan["Plan"]) < 10 * PENDING
