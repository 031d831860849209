"""Sending on Telegram through aiogram, with its errors mapped to retry or give up."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.channels.aiogram_api import (
    AiogramError,
    AnswerCallbackQuery,
    Bot,
    ClientDecodeError,
    GetUpdates,
    Response,
    SendMessage,
    TelegramEntityTooLarge,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from bot.channels.base import Limit, PermanentFailure, RetryLater
from bot.channels.telegram_inbound import NAME
from bot.channels.telegram_render import render
from bot.config import TelegramSettings
from bot.messages import Reply

PIECE_WAITS = (0.5, 2.0)
"""Waits before retrying a later piece of a split text in place: a retry of the whole reply
would send the earlier pieces twice."""
MAX_PIECE_WAIT = 5.0

KEPT_RESPONSES = tuple(Response[method.__returning__]  # type: ignore[name-defined]
                       for method in (SendMessage, AnswerCallbackQuery, GetUpdates))
"""aiogram parses every answer with ``Response[<the method's result>]``. pydantic keeps such a
class only while something else refers to it, so after each garbage collection the next call
built it again, schema and all (~1.7 ms; 7% of the bot's time under load in bench/e2e)."""


class TelegramChannel:
    """Delivers replies with ``sendMessage``; one outbox row may take several messages."""

    name = NAME

    def __init__(self, bot: Bot, settings: TelegramSettings | None = None) -> None:
        self.bot = bot
        self.settings = settings or TelegramSettings()

    def limits(self, chat_id: str, account: str | None = None) -> Sequence[Limit]:
        """Per chat and per group (negative ids are groups): all a reply waits for.

        Telegram's ~30 messages a second is guidance for broadcasts, not for answering people
        who just wrote (core.telegram.org/bots/faq#broadcasting-to-users).
        """
        limits = [Limit(f"{NAME}:chat:{chat_id}", self.settings.per_chat_per_second, 1.0)]
        if chat_id.startswith("-"):
            limits.append(Limit(f"{NAME}:group:{chat_id}",
                                self.settings.per_group_per_minute, 60.0))
        return limits

    def bulk_limits(self, account: str | None = None) -> Sequence[Limit]:
        """The bot-wide cap that bulk sends (invitations, broadcasts) wait for."""
        return [Limit(f"{NAME}:all", self.settings.bulk_per_second, 1.0)]

    async def send(self, *, chat_id: str, reply: Reply, account: str | None) -> str:
        """Send every piece of ``reply``; the id of the last message (the one with buttons)."""
        target: int | str = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
        first, *rest = render(target, reply)
        message_id = await self._call(first)
        for piece in rest:
            message_id = await self._send_piece(piece)
        return message_id

    async def _send_piece(self, call: SendMessage) -> str:
        for wait in PIECE_WAITS:
            try:
                return await self._call(call)
            except RetryLater as exc:
                if exc.seconds is not None and exc.seconds > MAX_PIECE_WAIT:
                    raise
                await asyncio.sleep(exc.seconds or wait)
        return await self._call(call)

    async def _call(self, call: SendMessage) -> str:
        try:
            sent = await self.bot(call)
        except AiogramError as exc:
            raise as_send_error(exc) from exc
        return str(sent.message_id)


def as_send_error(exc: AiogramError) -> RetryLater | PermanentFailure:
    """Whether an aiogram error is worth retrying, and when."""
    if isinstance(exc, TelegramRetryAfter):
        return RetryLater(f"rate limited: {exc.message}", seconds=float(exc.retry_after))
    if isinstance(exc, TelegramEntityTooLarge):  # a subclass of the network error: check first
        return PermanentFailure(f"too large: {exc.message}")
    if isinstance(exc, TelegramMigrateToChat):
        return PermanentFailure(f"group became supergroup {exc.migrate_to_chat_id}")
    # A revoked token is an operator's mistake to fix, not a reason to drop the customer's reply.
    transient = (TelegramNetworkError, TelegramServerError, TelegramUnauthorizedError,
                 ClientDecodeError)
    if isinstance(exc, transient):
        return RetryLater(f"{type(exc).__name__}: {exc}")
    # 400 bad request, 403 blocked by the user, 404 chat not found, 409 …
    return PermanentFailure(f"{type(exc).__name__}: {exc}")
