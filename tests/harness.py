"""Test helpers: a collecting channel and ``converse([...])`` that drives a whole dialogue."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.app import Bot, build_bot
from bot.channels.base import Limit
from bot.config import Settings
from bot.messages import Inbound, Kind, Reply

_ids = itertools.count(1)


@dataclass
class CollectingChannel:
    """A channel that keeps what it was asked to send."""

    name: str = "test"
    sent: list[tuple[str, Reply]] = field(default_factory=list)

    def limits(self, chat_id: str, account: str | None = None) -> Sequence[Limit]:
        return ()

    async def send(self, *, chat_id: str, reply: Reply, account: str | None) -> str:
        self.sent.append((chat_id, reply))
        return f"m{len(self.sent)}"


@dataclass
class BotHarness:
    """A real bot whose ``test`` channel collects replies."""

    bot: Bot
    channel: CollectingChannel

    async def say(self, text: str | None = None, *, chat: str = "c1", payload: str | None = None,
                  kind: Kind | None = None, language: str | None = None) -> list[Reply]:
        """Send one message as user ``chat`` and return the replies the bot sent."""
        kind = kind or (Kind.BUTTON if payload is not None else Kind.TEXT)
        message = Inbound(channel="test", update_id=str(next(_ids)), user_id=chat, chat_id=chat,
                          kind=kind, text=text, payload=payload, language_hint=language)
        await self.bot.ingest(message)
        return await self.drain()

    async def drain(self, now: datetime | None = None) -> list[Reply]:
        """Run the workers and the jobs due at ``now`` until nothing is left; the replies sent."""
        before = len(self.channel.sent)
        while (await self.bot.processor.run_once() + await self.bot.jobs.run_once(now)
               + await self.bot.sender.run_once()):
            pass
        return [reply for _, reply in self.channel.sent[before:]]

    async def converse(self, texts: Sequence[str], chat: str = "c1") -> list[list[Reply]]:
        """Each message in turn, with the replies to each."""
        return [await self.say(text, chat=chat) for text in texts]

    async def close(self) -> None:
        await self.bot.close()


async def make_harness(settings: Settings) -> BotHarness:
    """A bot built like production, plus a collecting ``test`` channel."""
    bot = await build_bot(settings)
    channel = CollectingChannel()
    bot.sender.channels[channel.name] = channel  # type: ignore[index]
    return BotHarness(bot, channel)
