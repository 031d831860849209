"""Several workers, each with its own engine, never race on a chat's dialogue state."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.processor import Processor
from bot.engine.types import ContactInfo
from bot.messages import Inbound
from bot.storage.inbox import enqueue
from tests.engine.helpers import (
    Counting,
    count_of,
    inbox,
    message,
    open_db,
    outbox_texts,
    processor,
)

CHATS = 4
MESSAGES = 12
WORKERS = 3


async def _jitter(_s: AsyncSession, _m: Inbound, _c: ContactInfo, _ctx: dict[str, Any]) -> None:
    # Widens the window between reading the state and writing it, where a race would show.
    await asyncio.sleep(random.uniform(0, 0.003))


async def _until_all_done(sessionmaker: Any, total: int) -> None:
    async with asyncio.timeout(40):
        while True:
            statuses = [row.status for row in await inbox(sessionmaker)]
            if len(statuses) == total and set(statuses) == {"done"}:
                return
            await asyncio.sleep(0.05)


async def test_workers_see_each_previous_turn_and_reply_in_order(database_url: str) -> None:
    main_engine, sessionmaker = await open_db(database_url)
    feature = Counting()
    feature.registry.loader(_jitter)
    opened = [await open_db(database_url, upgrade=False) for _ in range(WORKERS)]
    workers: list[Processor] = [processor(maker, feature) for _, maker in opened]
    stop = asyncio.Event()
    running = [asyncio.create_task(w.run_forever(stop, poll_seconds=0.01)) for w in workers]
    for number in range(MESSAGES):
        for chat in range(CHATS):
            await enqueue(sessionmaker, message(f"chat{chat}", f"m{number}"))
        for worker in workers:
            worker.wake.set()
    await _until_all_done(sessionmaker, CHATS * MESSAGES)
    stop.set()
    await asyncio.gather(*running)
    for chat in range(CHATS):
        expected = [f"{n + 1}:m{n}" for n in range(MESSAGES)]
        assert await outbox_texts(sessionmaker, f"chat{chat}") == expected
        assert await count_of(sessionmaker, f"chat{chat}") == MESSAGES
    for engine, _ in opened:
        await engine.dispose()
    await main_engine.dispose()
