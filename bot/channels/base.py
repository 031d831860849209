"""The one contract every channel adapter implements, and text fallbacks for rich replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.messages import Reply


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` sends per ``period`` seconds for everything sharing ``key``."""

    key: str
    count: int
    period: float


class SendError(Exception):
    """Delivery failed; subclasses say whether and when to try again."""


class RetryLater(SendError):
    """The platform asked us to wait (HTTP 429 ``retry_after``) or failed transiently."""

    def __init__(self, reason: str, seconds: float | None = None) -> None:
        super().__init__(reason)
        self.seconds = seconds


class PermanentFailure(SendError):
    """Retrying cannot help (user blocked the bot, chat gone, message rejected)."""


class Channel(Protocol):
    """Sends the engine's replies out on one platform."""

    name: str

    def limits(self, chat_id: str, account: str | None = None) -> Sequence[Limit]:
        """The rate limits that apply to a send into ``chat_id`` from ``account`` (bot, page)."""
        ...

    async def send(self, *, chat_id: str, reply: Reply, account: str | None) -> str:
        """Deliver ``reply``; returns the platform's message id."""
        ...


@runtime_checkable
class BulkLimited(Protocol):
    """A channel whose platform caps broadcasts bot-wide (Telegram's ~30 messages a second).

    Only outbox rows marked ``bulk`` wait for these limits: a reply to someone who just wrote
    obeys the per-chat and per-group limits of ``Channel.limits`` alone.
    """

    def bulk_limits(self, account: str | None = None) -> Sequence[Limit]:
        """The bot-wide limits for broadcasts from ``account``."""
        ...


def text_with_choices(reply: Reply) -> str:
    """The reply as plain text: buttons become numbered lines, links ``title: url``."""
    lines = [reply.text]
    lines += [f"{number}. {button.title}" for number, button in enumerate(reply.buttons, 1)]
    lines += [f"{link.title}: {link.url}" for link in reply.links]
    return "\n".join(lines)
