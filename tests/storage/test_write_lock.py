"""SQLite's in-process write lock: one writer at a time, the webhook's insert first."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage.session import WriteLock


async def _writer(lock: WriteLock, name: str, order: list[str], *, urgent: bool = False,
                  hold: asyncio.Event | None = None) -> None:
    await lock.acquire(urgent=urgent)
    try:
        order.append(name)
        if hold is not None:
            await hold.wait()
        await asyncio.sleep(0)
    finally:
        lock.release()


async def test_an_urgent_writer_goes_before_those_that_waited_longer() -> None:
    lock, order, hold = WriteLock(), [], asyncio.Event()
    first = asyncio.create_task(_writer(lock, "group", order, hold=hold))
    await asyncio.sleep(0)
    others = [asyncio.create_task(_writer(lock, name, order)) for name in ("claim", "group2")]
    await asyncio.sleep(0)
    insert = asyncio.create_task(_writer(lock, "insert", order, urgent=True))
    await asyncio.sleep(0)
    hold.set()
    await asyncio.gather(first, *others, insert)
    assert order == ["group", "insert", "claim", "group2"]
    assert not lock.locked()


async def test_one_writer_at_a_time() -> None:
    lock, inside, most = WriteLock(), 0, 0

    async def write(urgent: bool) -> None:
        nonlocal inside, most
        await lock.acquire(urgent=urgent)
        try:
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.001)
            inside -= 1
        finally:
            lock.release()

    await asyncio.gather(*(write(n % 3 == 0) for n in range(30)))
    assert most == 1
    assert not lock.locked()


async def test_a_cancelled_waiter_neither_keeps_nor_loses_the_lock() -> None:
    lock, order, hold = WriteLock(), [], asyncio.Event()
    first = asyncio.create_task(_writer(lock, "first", order, hold=hold))
    await asyncio.sleep(0)
    gone = asyncio.create_task(_writer(lock, "gone", order, urgent=True))
    after = asyncio.create_task(_writer(lock, "after", order))
    await asyncio.sleep(0)
    gone.cancel()
    hold.set()
    await asyncio.gather(first, after)
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert order == ["first", "after"]
    assert not lock.locked()


async def test_a_waiter_cancelled_as_it_is_handed_the_lock_passes_it_on() -> None:
    lock, order = WriteLock(), []
    await lock.acquire()
    handed = asyncio.create_task(_writer(lock, "handed", order, urgent=True))
    after = asyncio.create_task(_writer(lock, "after", order))
    await asyncio.sleep(0)
    lock.release()  # resolves handed's waiter, which has not run yet
    handed.cancel()
    await asyncio.gather(after)
    with pytest.raises(asyncio.CancelledError):
        await handed
    assert order == ["after"]
    assert not lock.locked()
