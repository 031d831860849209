"""Long-polls woken together read together (bot/web/chat_reads.py), on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, insert

from bot.storage.base import table_of
from bot.storage.models import MessageLog
from bot.web.chat_reads import HISTORY, ChatReads
from tests.engine.helpers import open_db


async def _log(engine: Any, rows: list[tuple[str, str]]) -> None:
    """Log (chat, text) rows in order, alternating in and out."""
    async with engine.begin() as connection:
        await connection.execute(insert(table_of(MessageLog)), [
            {"direction": "in" if n % 2 else "out", "channel": "webchat", "chat_id": chat,
             "text": text} for n, (chat, text) in enumerate(rows)])


async def test_polls_woken_together_share_one_query(database_url: str) -> None:
    engine, _ = await open_db(database_url)
    try:
        await _log(engine, [(f"chat{n % 10}", f"m{n}") for n in range(60)])
        await _log(engine, [("other", "x")] * 3)  # nobody polls it
        statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
        reads = ChatReads(engine)
        first = {f"chat{n}": (await reads(f"chat{n}", 0)) for n in range(10)}
        assert [row.text for row in first["chat3"]] == [f"m{n}" for n in range(3, 60, 10)]
        statements.clear()
        # Ten polls, each from its chat's third message on, and a second tab of chat0.
        cursors = [(chat, int(rows[2].id)) for chat, rows in first.items()]
        cursors.append(("chat0", int(first["chat0"][4].id)))
        got = await asyncio.gather(*(reads(chat, after) for chat, after in cursors))
        assert len(statements) == 1
        for (chat, after), rows in zip(cursors, got, strict=True):
            expected = [row.text for row in first[chat] if int(row.id) > after]
            assert [row.text for row in rows] == expected, chat
        assert [row.text for row in got[-1]] == ["m50"]
        assert await reads("chat1", int(first["chat1"][-1].id)) == []
    finally:
        await engine.dispose()


async def test_a_read_returns_at_most_a_page_oldest_first(database_url: str) -> None:
    engine, _ = await open_db(database_url)
    try:
        await _log(engine, [("long", f"m{n}") for n in range(HISTORY + 50)])
        reads = ChatReads(engine)
        newest = await reads("long", 0)
        assert [row.text for row in newest] == [f"m{n}" for n in range(50, HISTORY + 50)]
        page = await reads("long", 1)
        assert [row.text for row in page] == [f"m{n}" for n in range(1, HISTORY + 1)]
    finally:
        await engine.dispose()


async def test_a_failed_query_reaches_every_poll_of_its_batch(database_url: str) -> None:
    engine, _ = await open_db(database_url)
    await engine.dispose()
    reads = ChatReads(engine)

    async def broken(_cursors: Any) -> Any:
        raise ConnectionRefusedError("the database went away")

    reads._read = broken  # type: ignore[method-assign]
    results = await asyncio.gather(reads("a", 1), reads("b", 2), return_exceptions=True)
    assert all(isinstance(result, ConnectionRefusedError) for result in results)
    with pytest.raises(ConnectionRefusedError):
        await reads("c", 3)
