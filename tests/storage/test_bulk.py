"""Rows queued with ``storage.bulk``: one statement per table, seen by reads, never leaked by a
rollback, kept through a SAVEPOINT's rollback (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from bot.storage.bulk import add_later, savepoint
from bot.storage.inbox import enqueue
from bot.storage.models import Contact, MessageLog
from tests.engine.helpers import Counting, message, open_db, processor, rows

ROOT = Path(__file__).resolve().parents[2]


def log_row(chat: str, text: str) -> dict[str, Any]:
    return {"contact_id": None, "direction": "in", "channel": "test", "chat_id": chat,
            "platform_message_id": None, "text": text, "payload": None, "body": None}


async def test_queued_rows_are_seen_by_reads_and_kept_at_commit(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    async with sessionmaker.begin() as session:
        add_later(session, MessageLog, log_row("a", "one"))
        add_later(session, MessageLog, log_row("a", "two"))
        # a read in the same transaction sees them, as autoflush would have shown objects
        assert await session.scalar(select(func.count()).select_from(MessageLog)) == 2
        add_later(session, MessageLog, log_row("a", "three"))
    texts = [(m.text, m.created_at is not None) for m in await rows(sessionmaker, MessageLog)]
    assert texts == [("one", True), ("two", True), ("three", True)]  # in order, defaults set
    await engine.dispose()


async def test_a_rollback_drops_what_was_queued(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    async with sessionmaker() as session:
        async with session.begin():
            add_later(session, MessageLog, log_row("a", "lost"))
            await session.rollback()
        async with session.begin():  # the same session, a new transaction
            add_later(session, MessageLog, log_row("a", "kept"))
    assert [m.text for m in await rows(sessionmaker, MessageLog)] == ["kept"]
    await engine.dispose()


async def test_a_savepoints_rollback_keeps_rows_queued_before_it(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    async with sessionmaker.begin() as session:
        session.add(Contact(channel="test", external_id="x"))
    async with sessionmaker.begin() as session:
        add_later(session, MessageLog, log_row("a", "before"))
        try:
            async with savepoint(session):
                session.add(Contact(channel="test", external_id="x"))  # a duplicate
        except IntegrityError:
            pass
    assert [m.text for m in await rows(sessionmaker, MessageLog)] == ["before"]
    await engine.dispose()


async def test_a_group_of_turns_inserts_its_log_and_replies_in_one_statement_each(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    chats = [f"c{n}" for n in range(8)]
    for chat in chats:
        await enqueue(sessionmaker, message(chat, "hi"))
    inserts: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO"):
            inserts.append(statement.split()[2])

    assert await processor(sessionmaker, Counting()).run_once() == len(chats)
    assert inserts.count("messages") == 1 and inserts.count("outbox") == 1
    assert len(await rows(sessionmaker, MessageLog)) == len(chats)
    await engine.dispose()


def test_every_savepoint_goes_through_storage_bulk() -> None:
    """A SAVEPOINT opened directly would swallow the queued rows its rollback then drops."""
    direct = [str(path.relative_to(ROOT)) for path in (ROOT / "bot").rglob("*.py")
              if path.name != "bulk.py"
              and re.search(r"\.begin_nested\(", path.read_text(encoding="utf-8"))]
    assert direct == []
