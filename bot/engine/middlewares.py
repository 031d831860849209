"""Cross-cutting steps around each turn, aiogram-style: ``await mw(handler, item, data)``."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from bot.storage.models import InboxItem

log = logging.getLogger("sarafan.turn")

TurnHandler = Callable[[InboxItem, dict[str, Any]], Awaitable[None]]


class Middleware(Protocol):
    """Wraps the turn handler; may act before and after it."""

    async def __call__(self, handler: TurnHandler, item: InboxItem, data: dict[str, Any]) -> None:
        """Run around ``handler``."""
        ...


class TimingMiddleware:
    """Logs one line per turn with its duration; never the message text (it may be private)."""

    async def __call__(self, handler: TurnHandler, item: InboxItem, data: dict[str, Any]) -> None:
        started = time.perf_counter()
        try:
            await handler(item, data)
        finally:
            took = (time.perf_counter() - started) * 1000
            log.debug("turn %s:%s took %.1f ms", item.channel, item.update_id, took)


def chain(handler: TurnHandler, middlewares: list[Middleware]) -> TurnHandler:
    """``handler`` wrapped by ``middlewares``, the first one outermost."""
    wrapped = handler
    for middleware in reversed(middlewares):
        wrapped = _bind(middleware, wrapped)
    return wrapped


def _bind(middleware: Middleware, inner: TurnHandler) -> TurnHandler:
    async def call(item: InboxItem, data: dict[str, Any]) -> None:
        await middleware(inner, item, data)

    return call
