"""Long polling: ``getUpdates`` confirms an update only once it is in our inbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from bot.channels.aiogram_api import Bot, TelegramMethod, TelegramRetryAfter
from bot.channels.telegram_inbound import STORED_UPDATES
from bot.channels.telegram_receive import Receiver

log = logging.getLogger("sarafan.telegram")
POLL_SECONDS = 25
MAX_BACKOFF = 60.0
T = TypeVar("T")


class RawGetUpdates(TelegramMethod[list[Any]]):
    """``getUpdates`` returning plain JSON, so one odd update cannot fail its whole batch."""

    __returning__ = list[Any]
    __api_method__ = "getUpdates"

    offset: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


class Poller:
    """Asks for updates from ``offset``; advances it past each update only after storing it."""

    def __init__(self, bot: Bot, receiver: Receiver, *, poll_seconds: int = POLL_SECONDS) -> None:
        self.bot, self.receiver, self.poll_seconds = bot, receiver, poll_seconds
        self.offset: int | None = None
        self._ready = False

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop``; API or storage failures wait and ask again from the same offset."""
        failures = 0
        while not stop.is_set():
            try:
                await self.poll_once(stop)
                failures = 0
            except Exception as exc:
                failures += 1
                delay = _delay(exc, failures)
                log.warning("Telegram polling failed (%s); again in %.0f s", exc, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)

    async def poll_once(self, stop: asyncio.Event) -> None:
        """One ``getUpdates`` round: store each update, then confirm it with the next offset."""
        if not self._ready:
            await self._prepare()
        request = RawGetUpdates(offset=self.offset, timeout=self.poll_seconds,
                                allowed_updates=list(STORED_UPDATES))
        updates = await _unless_stopped(self.bot(request, self.poll_seconds + 10), stop)
        for raw in updates or ():
            if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
                log.warning("skipping a Telegram update without an update_id: %.200r", raw)
                continue
            await self.receiver.store(raw)
            self.offset = raw["update_id"] + 1
            await self.receiver.answer_callback(raw)

    async def _prepare(self) -> None:
        # getUpdates is refused while a webhook is set (a previous webhook deployment).
        await self.bot.delete_webhook(drop_pending_updates=False)
        me = await self.bot.get_me()
        log.info("Telegram polling as @%s", me.username)
        self._ready = True


async def _unless_stopped(call: Awaitable[T], stop: asyncio.Event) -> T | None:
    """The call's result, or None when ``stop`` is set first (nothing was confirmed then)."""
    task = asyncio.ensure_future(call)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait((task, stopped), return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


def _delay(exc: Exception, failures: int) -> float:
    if isinstance(exc, TelegramRetryAfter):
        return float(exc.retry_after)
    return min(MAX_BACKOFF, 2.0 ** (failures - 1))
