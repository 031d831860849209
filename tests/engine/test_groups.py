"""Turns of several chats share one transaction; a failing turn is left out of it and retried
alone (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.middlewares import TurnHandler
from bot.engine.processor import Claimed, Processor
from bot.engine.turns import Prepared
from bot.storage.base import utcnow
from bot.storage.inbox import enqueue
from bot.storage.models import Contact, InboxItem, MessageLog, OutboxItem
from tests.engine.helpers import (
    Boom,
    Counting,
    count_of,
    inbox,
    message,
    open_db,
    outbox_texts,
    processor,
    rows,
)

CHATS = [f"c{n}" for n in range(6)]


class DropsOnce:
    """A middleware: the database "goes away" at the ``at``-th turn, once."""

    def __init__(self, at: int) -> None:
        self.at, self.seen = at, 0

    async def __call__(self, handler: TurnHandler, item: InboxItem, data: dict[str, Any]) -> None:
        self.seen += 1
        await handler(item, data)
        if self.seen == self.at:
            raise OSError("connection reset")  # an outage: the whole group is rolled back


async def test_a_failing_turn_is_rolled_back_alone_and_retried(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    feature = Counting(failures=1)
    for chat in CHATS:
        await enqueue(sessionmaker, message(chat, "boom" if chat == "c2" else "hi"))
    worker = processor(sessionmaker, feature, retry_delay=lambda _attempt: 60.0)
    assert await worker.run_once() == len(CHATS) - 1
    assert feature.boom_calls == 1
    assert await count_of(sessionmaker, "c2") is None  # its state and log rolled back ...
    assert await outbox_texts(sessionmaker, "c2") == []
    assert [m.text for m in await rows(sessionmaker, MessageLog)].count("boom") == 0
    for chat in set(CHATS) - {"c2"}:  # ... the others committed
        assert await outbox_texts(sessionmaker, chat) == ["1:hi"]
    [failed] = [r for r in await inbox(sessionmaker) if r.status != "done"]
    assert (failed.chat_key.endswith("c2"), failed.status, failed.attempts) == (True, "pending", 1)
    async with sessionmaker.begin() as session:
        await session.execute(update(InboxItem).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert await worker.run_once() == 1
    assert await outbox_texts(sessionmaker, "c2") == ["1:boom"]
    await engine.dispose()


async def test_a_poison_turn_does_not_block_its_group_or_its_chat(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    for chat in CHATS:
        for text in ("poison", "next") if chat == "c0" else ("one", "two", "three"):
            await enqueue(sessionmaker, message(chat, text))
    assert await processor(sessionmaker, Counting()).run_once() == 1 + 3 * (len(CHATS) - 1)
    for chat in CHATS[1:]:
        assert await outbox_texts(sessionmaker, chat) == ["1:one", "2:two", "3:three"]
    _apology, following = await outbox_texts(sessionmaker, "c0")
    assert following == "1:next"
    assert {r.status for r in await inbox(sessionmaker)} == {"done", "failed"}
    await engine.dispose()


async def test_a_group_lost_mid_way_keeps_nothing_and_each_turn_runs_once(
    database_url: str,
) -> None:
    """The turns that ran before the loss are not kept either."""
    engine, sessionmaker = await open_db(database_url)
    for chat in CHATS:
        await enqueue(sessionmaker, message(chat, "hi"))
    worker = processor(sessionmaker, Counting(), middlewares=[DropsOnce(at=3)])
    assert await worker.run_once() == len(CHATS)
    for chat in CHATS:
        assert await outbox_texts(sessionmaker, chat) == ["1:hi"]  # one reply, not two
        assert await count_of(sessionmaker, chat) == 1
    assert len(await rows(sessionmaker, OutboxItem)) == len(CHATS)
    assert {r.status for r in await inbox(sessionmaker)} == {"done"}
    await engine.dispose()


async def test_a_contact_in_two_chats_of_one_group_sees_its_first_turn(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    first = message("u1", "hi", hint="el")
    await enqueue(sessionmaker, first)
    # the same person writes in a group chat too
    await enqueue(sessionmaker, replace(message("g1", "hello", hint="el"), user_id="u1"))
    assert await processor(sessionmaker, Counting()).run_once() == 2
    assert await outbox_texts(sessionmaker, "u1") == ["1:hi"]
    assert await outbox_texts(sessionmaker, "g1") == ["1:hello"]
    await engine.dispose()


async def test_a_turn_failing_when_the_group_writes_is_rolled_back_alone(
    database_url: str,
) -> None:
    engine, sessionmaker = await open_db(database_url)
    feature = Counting()

    async def duplicate(session: AsyncSession, _contact: Any, _record: Any) -> None:
        session.add(Contact(channel="test", external_id="c0"))  # fails when the group flushes

    feature.registry.records[Boom] = duplicate
    for chat in CHATS:
        await enqueue(sessionmaker, message(chat, "boom" if chat == "c1" else "hi"))
    worker = processor(sessionmaker, feature, retry_delay=lambda _attempt: 60.0)
    assert await worker.run_once() == len(CHATS) - 1
    assert await outbox_texts(sessionmaker, "c1") == []
    for chat in set(CHATS) - {"c1"}:
        assert await outbox_texts(sessionmaker, chat) == ["1:hi"]
    [held] = [r for r in await inbox(sessionmaker) if r.status != "done"]
    assert (held.status, "IntegrityError" in (held.error or "")) == ("pending", True)
    await engine.dispose()


class StealsAClaim(Processor):
    """Another worker takes one claimed row (its lease ran out) before the group commits."""

    async def _prepare(self, batch: Claimed, rows: list[InboxItem]) -> dict[int, Prepared]:
        stolen = next(row for row in rows if row.chat_key.endswith("c3"))
        async with self.sessionmaker.begin() as session:
            await session.execute(update(InboxItem).where(InboxItem.id == stolen.id)
                                  .values(claim_token="another-worker"))
        return await super()._prepare(batch, rows)


async def test_a_claim_lost_before_the_group_commits_keeps_that_turn_out(
    database_url: str,
) -> None:
    """The rows are marked done in one statement at the end; a lost claim there rolls the
    group back and each turn runs alone: the lost one is left to its new owner."""
    engine, sessionmaker = await open_db(database_url)
    for chat in CHATS:
        await enqueue(sessionmaker, message(chat, "hi"))
    feature = Counting()
    worker = StealsAClaim(sessionmaker, feature.registry, None, retry_delay=lambda _n: 0.0)
    assert await worker.run_once() == len(CHATS) - 1
    assert await outbox_texts(sessionmaker, "c3") == []
    for chat in set(CHATS) - {"c3"}:
        assert await outbox_texts(sessionmaker, chat) == ["1:hi"]  # once, not twice
    [taken] = [r for r in await inbox(sessionmaker) if r.chat_key.endswith("c3")]
    assert taken.claim_token == "another-worker" and taken.status != "done"
    await engine.dispose()
