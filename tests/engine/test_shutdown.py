"""Stopping: the batch in hand finishes, the rest waits for the next start; wake-ups are prompt."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.storage.inbox import enqueue
from tests.engine.helpers import (
    Counting,
    RecordingChannel,
    inbox,
    message,
    open_db,
    processor,
    queue_replies,
)
from tests.engine.test_sender import sender

CHATS = 20


async def test_stop_ends_the_inbox_loop_after_the_batch_in_hand(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    for chat in range(CHATS):
        await enqueue(sessionmaker, message(f"c{chat}", "hi"))
    stop = asyncio.Event()

    async def stop_on_first_turn(*_args: Any) -> None:
        stop.set()  # SIGTERM arrives while the first batch runs

    feature = Counting()
    feature.registry.loader(stop_on_first_turn)
    await asyncio.wait_for(processor(sessionmaker, feature).run_forever(stop), 10)
    done = [row for row in await inbox(sessionmaker) if row.status == "done"]
    assert 1 <= len(done) < CHATS
    assert {row.status for row in await inbox(sessionmaker)} <= {"done", "pending"}
    assert await processor(sessionmaker, Counting()).run_once() == CHATS - len(done)
    await engine.dispose()


async def test_stop_ends_the_outbox_loop_between_batches(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    await queue_replies(sessionmaker, *((f"c{n}", "r") for n in range(50)))
    stop = asyncio.Event()
    stop.set()
    assert await sender(sessionmaker, RecordingChannel()).run_once(stop) == 0
    await engine.dispose()


async def test_a_wake_up_is_answered_without_waiting_for_the_poll(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    worker = processor(sessionmaker, Counting())
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run_forever(stop, poll_seconds=30))
    for number in range(3):
        await enqueue(sessionmaker, message("c1", f"m{number}"))
        worker.wake.set()
        async with asyncio.timeout(5):
            while True:
                if len([r for r in await inbox(sessionmaker) if r.status == "done"]) > number:
                    break
                await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(running, 5)
    await engine.dispose()
