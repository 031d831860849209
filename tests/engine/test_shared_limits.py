"""Two senders (two processes) on one database share every rate limit, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.channels.base import Limit
from bot.engine.ratelimit import SharedRateLimiter
from bot.engine.sender import Sender
from bot.messages import Reply
from bot.storage.models import MessageLog, OutboxItem
from bot.storage.session import SessionMaker
from tests.engine.helpers import open_db, rows

BULK = Limit("test:all", 5, 0.25)
"""Bot-wide: bursts of 5, then 20 a second."""
CHAT_PERIOD = 0.5
EPSILON = 1e-6
"""Float slack for comparing claim times: the limits are checked where they are decided."""


class ClockedLimiter(SharedRateLimiter):
    """The shared limiter, remembering the time its latest claim was decided at."""

    def __init__(self) -> None:
        self.last = 0.0
        super().__init__(clock=self._now)

    def _now(self) -> float:
        self.last = time.time()
        return self.last


class ClaimTimedSender(Sender):
    """Records, for each row it claims, the time the shared limits admitted it at.

    The assertions are on these times, not on when the fake channel saw a send: between the
    two lie the claim's commit and a turn of the event loop, which on a busy machine (an
    fsync, the other sender's thread) can take longer than the limits' own spacing.
    """

    def __init__(self, sessionmaker: SessionMaker, channel: TimedChannel,
                 claimed: dict[str, float]) -> None:
        self.clocked = ClockedLimiter()
        super().__init__(sessionmaker, {"test": channel}, limiter=self.clocked)
        self.claimed = claimed

    async def _claim_batch(self, size: int = 20) -> list[tuple[OutboxItem, str]]:
        batch = await super()._claim_batch(size)
        for row, _ in batch:
            self.claimed[Reply.from_json(row.reply).text or ""] = self.clocked.last
        return batch


@dataclass
class TimedChannel:
    """Records when each send happened and which sender made it; a bot-wide bulk limit."""

    worker: str
    log: list[tuple[float, str, str, str]]
    expected: int
    all_sent: asyncio.Event
    name: str = "test"

    def limits(self, chat_id: str, account: str | None = None) -> Sequence[Limit]:
        return [Limit(f"test:chat:{chat_id}", 1, CHAT_PERIOD)]

    def bulk_limits(self, account: str | None = None) -> Sequence[Limit]:
        return [BULK]

    async def send(self, *, chat_id: str, reply: Reply, account: str | None) -> str:
        self.log.append((time.time(), self.worker, chat_id, reply.text))
        if len(self.log) >= self.expected:
            self.all_sent.set()
        return f"{self.worker}-{len(self.log)}"


async def _queue(sessionmaker: SessionMaker) -> int:
    """40 broadcasts to 40 chats, then 10 replies to 10 other chats and 4 into one chat."""
    items = ([(f"b{n}", f"bulk {n}", True) for n in range(40)]
             + [(f"r{n}", f"reply {n}", False) for n in range(10)]
             + [("p", f"chat {n}", False) for n in range(4)])
    async with sessionmaker.begin() as session:
        session.add_all(OutboxItem(channel="test", chat_id=chat, chat_key=f"test::{chat}",
                                   reply=Reply(text).to_json(), bulk=bulk)
                        for chat, text, bulk in items)
    return len(items)


async def _run_both(database_url: str, total: int, log: list[tuple[float, str, str, str]],
                    claimed: dict[str, float]) -> None:
    dbs = [await open_db(database_url, upgrade=False) for _ in range(2)]
    try:
        all_sent = asyncio.Event()
        workers = [ClaimTimedSender(sessionmaker, TimedChannel(f"w{n}", log, total, all_sent),
                                    claimed)
                   for n, (_, sessionmaker) in enumerate(dbs)]
        stop = asyncio.Event()
        runs = [asyncio.create_task(worker.run_forever(stop, poll_seconds=0.05))
                for worker in workers]
        await asyncio.wait_for(all_sent.wait(), timeout=30)
        await asyncio.sleep(0.1)  # the last outcomes are recorded
        stop.set()
        await asyncio.gather(*runs)
    finally:
        for engine, _ in dbs:
            await engine.dispose()


async def test_two_senders_share_the_bot_wide_and_per_chat_limits(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    try:
        await _check_two_senders(sessionmaker, database_url)
    finally:
        await engine.dispose()


async def _check_two_senders(sessionmaker: SessionMaker, database_url: str) -> None:
    total = await _queue(sessionmaker)
    log: list[tuple[float, str, str, str]] = []
    claimed: dict[str, float] = {}
    await _run_both(database_url, total, log, claimed)

    assert sorted(text for *_, text in log) == sorted(m.text or "" for m in
                                                      await rows(sessionmaker, MessageLog))
    assert len(log) == total  # each sent once, every one logged
    assert {worker for _, worker, _, _ in log} == {"w0", "w1"}  # both senders took part
    assert sorted(claimed) == sorted(text for *_, text in log)

    bulk = sorted(at for text, at in claimed.items() if text.startswith("bulk"))
    rate = BULK.count / BULK.period
    # GCRA: over any stretch of t seconds at most count + t * rate admitted, whichever sender
    # admitted them. Two senders counting apart would admit twice as many.
    for i, start in enumerate(bulk):
        for j in range(i, len(bulk)):
            assert j - i + 1 <= BULK.count + (bulk[j] - start) * rate + EPSILON
    assert bulk[-1] - bulk[0] >= (len(bulk) - BULK.count) / rate - EPSILON
    sent = sorted(at for at, _, _, text in log if text.startswith("bulk"))
    assert sent[-1] - sent[0] >= (len(bulk) - BULK.count) / rate * 0.8  # and sent that way

    # Replies wait for no bulk limit: all ten went before the broadcasts were half done.
    replies = [at for text, at in claimed.items() if text.startswith("reply")]
    assert max(replies) < bulk[len(bulk) // 2]

    # One chat's rows go in order, one per CHAT_PERIOD, whichever sender took them.
    chat = [text for _, _, to, text in log if to == "p"]
    assert chat == [f"chat {n}" for n in range(4)]
    times = [claimed[text] for text in chat]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= CHAT_PERIOD - EPSILON
    assert [row.status for row in await rows(sessionmaker, OutboxItem)] == ["sent"] * total
