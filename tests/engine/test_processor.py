"""Inbox guarantees on SQLite and PostgreSQL: stored once, one transaction per turn, no loss."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.engine import processor as processor_module
from bot.engine.turns import LostClaim
from bot.messages import Reply
from bot.storage import queue
from bot.storage.base import utcnow
from bot.storage.inbox import enqueue
from bot.storage.models import Contact, InboxItem, MessageLog, OutboxItem
from tests.engine.helpers import (
    INBOX_CLAIMS,
    Counting,
    count_of,
    inbox,
    message,
    open_db,
    outbox_texts,
    processor,
    rows,
    statements,
)


async def test_update_is_stored_before_processing_and_redelivery_runs_once(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    first = message("c1", "hello", update_id="42")
    assert await enqueue(sessionmaker, first) is True
    stored = await inbox(sessionmaker)
    assert [(r.update_id, r.status) for r in stored] == [("42", "pending")]
    assert await enqueue(sessionmaker, message("c1", "hello again", update_id="42")) is False
    assert await processor(sessionmaker, Counting()).run_once() == 1
    assert await enqueue(sessionmaker, first) is False  # redelivered after it was handled
    assert await processor(sessionmaker, Counting()).run_once() == 0
    assert await outbox_texts(sessionmaker, "c1") == ["1:hello"]
    await engine.dispose()


async def test_a_claim_that_can_find_nothing_is_not_made(database_url: str) -> None:
    """After a group, the processor claims again only for known work: a chat's later row (it
    may run once the earlier turn is done), a full claim, a wake-up or a turn to retry; not
    to find nothing (that claim followed every turn at a steady rate)."""
    engine, sessionmaker = await open_db(database_url)
    claims = statements(engine, INBOX_CLAIMS)
    feature = Counting()
    worker = processor(sessionmaker, feature)
    await enqueue(sessionmaker, message("c1", "one"))
    assert await worker.run_once() == 1
    assert len(claims) == 1  # was 2: the second found nothing
    claims.clear()
    for chat, text in (("c1", "two"), ("c1", "three"), ("c2", "four")):
        await enqueue(sessionmaker, message(chat, text))
    assert await worker.run_once() == 3  # c1's "three" waits for "two", then runs at once
    assert await outbox_texts(sessionmaker, "c1") == ["1:one", "2:two", "3:three"]
    assert len(claims) == 2
    claims.clear()
    feature.failures = 1  # the turn fails once, and is retried in the same round
    await enqueue(sessionmaker, message("c3", "boom"))
    assert await worker.run_once() == 1
    assert feature.boom_calls == 2
    assert len(claims) == 2
    await engine.dispose()


async def test_same_update_id_on_another_channel_is_another_update(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    assert await enqueue(sessionmaker, message("c1", "a", update_id="7"))
    assert await enqueue(sessionmaker, replace(message("c1", "b", update_id="7"), channel="x"))
    await engine.dispose()


async def test_state_replies_and_log_commit_together(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    feature = Counting()
    for text in ("one", "two", "three"):
        await enqueue(sessionmaker, message("c1", text))
    assert await processor(sessionmaker, feature).run_once() == 3
    assert await count_of(sessionmaker, "c1") == 3
    assert await outbox_texts(sessionmaker, "c1") == ["1:one", "2:two", "3:three"]
    logged = await rows(sessionmaker, MessageLog)
    assert [(m.direction, m.text) for m in logged] == [("in", "one"), ("in", "two"),
                                                      ("in", "three")]
    assert {r.status for r in await inbox(sessionmaker)} == {"done"}
    await engine.dispose()


async def test_exception_mid_turn_rolls_back_everything_and_is_retried(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    feature = Counting(failures=1)
    await enqueue(sessionmaker, message("c1", "boom"))
    worker = processor(sessionmaker, feature, retry_delay=lambda _attempt: 60.0)
    assert await worker.run_once() == 0
    assert feature.boom_calls == 1
    [row] = await inbox(sessionmaker)
    assert (row.status, row.attempts) == ("pending", 1)
    assert await count_of(sessionmaker, "c1") is None
    assert await rows(sessionmaker, OutboxItem) == []
    assert await rows(sessionmaker, MessageLog) == []
    assert await worker.run_once() == 0  # waits for its retry time
    await _make_due(sessionmaker)
    assert await worker.run_once() == 1
    assert await count_of(sessionmaker, "c1") == 1
    assert await outbox_texts(sessionmaker, "c1") == ["1:boom"]
    await engine.dispose()


async def test_claimed_row_of_a_dead_worker_is_processed_once_after_its_lease(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    await enqueue(sessionmaker, message("c1", "hello"))
    await enqueue(sessionmaker, message("c1", "after"))
    async with sessionmaker.begin() as session:
        [row, _later] = await queue.candidates(session, InboxItem, skip_chats=set()) + [None]
        assert row is not None
        dead_token = await queue.claim(session, row, lease_seconds=0.3)
    assert dead_token
    worker = processor(sessionmaker, Counting())
    assert await worker.run_once() == 0  # the lease still holds: nobody touches the chat
    await asyncio.sleep(0.35)
    assert await worker.run_once() == 2
    assert await processor(sessionmaker, Counting()).run_once() == 0
    assert await outbox_texts(sessionmaker, "c1") == ["1:hello", "2:after"]
    async with sessionmaker.begin() as session:  # the dead worker wakes up: its claim is gone
        assert not await queue.finish(session, InboxItem, row.id, dead_token, status="done")
    await engine.dispose()


async def test_stale_claim_is_refused_after_the_row_was_finished(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await enqueue(sessionmaker, message("c1", "hello"))
    async with sessionmaker.begin() as session:
        [row] = await queue.candidates(session, InboxItem, skip_chats=set())
        slow_token = await queue.claim(session, row, lease_seconds=-1)
    assert slow_token
    async with sessionmaker.begin() as session:  # a second worker sees an expired lease ...
        [stale] = await queue.candidates(session, InboxItem, skip_chats=set())
    async with sessionmaker.begin() as session:  # ... while the slow one finishes the turn
        assert await queue.finish(session, InboxItem, row.id, slow_token, status="done")
    async with sessionmaker.begin() as session:
        assert await queue.claim(session, stale, lease_seconds=60) is None
    await engine.dispose()


async def test_lost_claim_rolls_the_turn_back(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await enqueue(sessionmaker, message("c1", "hello"))
    worker = processor(sessionmaker, Counting())
    async with sessionmaker.begin() as session:
        [row] = await queue.candidates(session, InboxItem, skip_chats=set())
        token = await queue.claim(session, row, lease_seconds=60)
    async with sessionmaker.begin() as session:  # another worker took over meanwhile
        await session.execute(update(InboxItem).values(claim_token="someone-else"))
    with pytest.raises(LostClaim):
        await worker._turn(row, {"token": token})
    assert await count_of(sessionmaker, "c1") is None
    assert await rows(sessionmaker, OutboxItem) == []
    await engine.dispose()


async def test_poison_message_fails_once_with_one_apology_and_does_not_block(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    await enqueue(sessionmaker, message("c1", "poison", hint="ru"))
    await enqueue(sessionmaker, message("c1", "next", hint="ru"))
    assert await processor(sessionmaker, Counting()).run_once() == 1
    poison, following = await inbox(sessionmaker)
    assert (poison.status, poison.attempts) == ("failed", processor_module.MAX_ATTEMPTS)
    assert "RuntimeError" in (poison.error or "")
    assert following.status == "done"
    queued = [Reply.from_json(r.reply) for r in await rows(sessionmaker, OutboxItem)]
    assert [r.language for r in queued] == ["ru", "ru"]
    assert queued[0].text.startswith(processor_module.gettext("ru", processor_module.APOLOGY))
    assert queued[1].text == "1:next"
    assert await processor(sessionmaker, Counting()).run_once() == 0
    await engine.dispose()


async def test_apology_uses_the_stored_language(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await enqueue(sessionmaker, message("c1", "hi", hint="el"))
    await enqueue(sessionmaker, message("c1", "poison", hint="bg"))
    assert await processor(sessionmaker, Counting()).run_once() == 1
    [contact] = await rows(sessionmaker, Contact)
    assert contact.language == "el"  # the failed turn's hint was rolled back with it
    queued = [Reply.from_json(r.reply).language for r in await rows(sessionmaker, OutboxItem)]
    assert queued == ["el", "el"]
    await engine.dispose()


async def _make_due(sessionmaker: object) -> None:
    async with sessionmaker.begin() as session:  # type: ignore[attr-defined]
        await session.execute(update(InboxItem).values(lease_until=utcnow() - timedelta(seconds=1)))


async def test_a_row_whose_workers_kept_dying_is_failed_without_running_again(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    await enqueue(sessionmaker, message("c1", "kills the worker", hint="bg"))
    async with sessionmaker.begin() as session:  # five workers claimed it and died mid-turn
        await session.execute(update(InboxItem).values(
            status="processing", attempts=processor_module.MAX_ATTEMPTS, claim_token="dead",
            lease_until=utcnow() - timedelta(seconds=1)))
    feature = Counting()
    assert await processor(sessionmaker, feature).run_once() == 0
    [row] = await inbox(sessionmaker)
    assert (row.status, row.error) == ("failed", "gave up after repeated failures")
    [apology] = [Reply.from_json(r.reply) for r in await rows(sessionmaker, OutboxItem)]
    assert apology.language == "bg"
    await engine.dispose()
