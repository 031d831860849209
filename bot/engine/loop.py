"""The loop shared by the inbox and outbox workers: work, then sleep until woken or polled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("sarafan.worker")


async def run_until_stopped(
    work: Callable[[asyncio.Event], Awaitable[int]],
    *,
    wake: asyncio.Event,
    stop: asyncio.Event,
    name: str,
    poll_seconds: float = 0.5,
) -> None:
    """Call ``work(stop)`` until ``stop`` is set, waking early when ``wake`` is set.

    Polling stays as a fallback because other processes sharing the database cannot set
    our ``wake``; an error is logged and retried on the next round, never fatal.
    """
    failing = False  # a failure repeating every poll (a database outage) is logged once
    while not stop.is_set():
        wake.clear()  # before the work: a wake-up arriving during it is not lost
        try:
            await work(stop)
        except Exception:
            if failing:
                log.debug("%s loop still failing", name, exc_info=True)
            else:
                log.exception("%s loop failed; retrying quietly until it works", name)
            failing = True
        else:
            if failing:
                log.info("%s loop works again", name)
            failing = False
        waiters = [asyncio.ensure_future(event.wait()) for event in (wake, stop)]
        await asyncio.wait(waiters, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
