"""What a channel adds to a running bot: a sender, HTTP routes and a background task."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.routing import BaseRoute

from bot.channels.base import Channel
from bot.messages import Inbound

Ingest = Callable[[Inbound], Awaitable[bool]]
"""Store an inbound update durably (True if new); adapters acknowledge only after it returns."""


async def _idle(stop: asyncio.Event) -> None:
    await stop.wait()


async def _nothing() -> None:
    return None


@dataclass
class ChannelRuntime:
    """A configured channel: ``run`` polls (or registers a webhook) until ``stop`` is set."""

    channel: Channel
    description: str
    routes: list[BaseRoute] = field(default_factory=list)
    run: Callable[[asyncio.Event], Awaitable[None]] = _idle
    close: Callable[[], Awaitable[None]] = _nothing
