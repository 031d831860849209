"""Two senders (two processes) on one database share every rate limit, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.channels.base import Limit
from bot.engine.sender import Sender
from bot.messages import Reply
from bot.storage.models import MessageLog, OutboxItem
from bot.storage.session import SessionMaker
from tests.engine.helpers import open_db, rows

BULK = Limit("test:all", 5, 0.25)
"""Bot-wide: bursts of 5, then 20 a second."""
CHAT_PERIOD = 0.5
JITTER = 0.15


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


async def _run_both(database_url: str, total: int, log: list[tuple[float, str, str, str]]
                    ) -> None:
    dbs = [await open_db(database_url, upgrade=False) for _ in range(2)]
    all_sent = asyncio.Event()
    workers = [Sender(sessionmaker, {"test": TimedChannel(f"w{n}", log, total, all_sent)})
               for n, (_, sessionmaker) in enumerate(dbs)]
    stop = asyncio.Event()
    runs = [asyncio.create_task(worker.run_forever(stop, poll_seconds=0.05))
            for worker in workers]
    await asyncio.wait_for(all_sent.wait(), timeout=30)
    await asyncio.sleep(0.1)  # the last outcomes are recorded
    stop.set()
    await asyncio.gather(*runs)
    for engine, _ in dbs:
        await engine.dispose()


async def test_two_senders_share_the_bot_wide_and_per_chat_limits(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    total = await _queue(sessionmaker)
    log: list[tuple[float, str, str, str]] = []
    await _run_both(database_url, total, log)

    assert sorted(text for *_, text in log) == sorted(m.text or "" for m in
                                                      await rows(sessionmaker, MessageLog))
    assert len(log) == total  # each sent once, every one logged
    assert {worker for _, worker, _, _ in log} == {"w0", "w1"}  # both senders took part

    bulk = [at for at, _, _, text in log if text.startswith("bulk")]
    rate = BULK.count / BULK.period
    # GCRA: over any stretch of t seconds at most count + t * rate, give or take JITTER, the
    # time from a claim to its send on a busy machine. Two senders counting apart would send
    # twice as fast.
    for i, start in enumerate(bulk):
        for j in range(i, len(bulk)):
            assert j - i + 1 <= BULK.count + (bulk[j] - start + JITTER) * rate
    assert bulk[-1] - bulk[0] >= (len(bulk) - BULK.count) / rate * 0.8

    # Replies wait for no bulk limit: all ten went before the broadcasts were half done.
    replies = [at for at, _, chat, _ in log if chat.startswith("r")]
    assert max(replies) < bulk[len(bulk) // 2]

    # One chat's rows go in order, one per CHAT_PERIOD, whichever sender took them.
    chat = [(at, text) for at, _, to, text in log if to == "p"]
    assert [text for _, text in chat] == [f"chat {n}" for n in range(4)]
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(chat)]
    assert min(gaps) >= CHAT_PERIOD - 2 * JITTER
    assert [row.status for row in await rows(sessionmaker, OutboxItem)] == ["sent"] * total
    await engine.dispose()
