"""What both delivery modes do with one update: store it, then acknowledge a button tap."""

from __future__ import annotations

import logging
from typing import Any

from bot.channels.aiogram_api import AiogramError, Bot
from bot.channels.runtime import Ingest
from bot.channels.telegram_inbound import callback_query_id, to_inbound

log = logging.getLogger("sarafan.telegram")
ANSWER_TIMEOUT = 10


class Receiver:
    """Hands updates to the inbox; the caller acknowledges Telegram only after ``store``."""

    def __init__(self, bot: Bot, ingest: Ingest) -> None:
        self.bot, self.ingest = bot, ingest

    async def store(self, raw: dict[str, Any]) -> bool:
        """Write the update to the inbox; False if it is not stored (ignored or a redelivery)."""
        message = to_inbound(raw)
        return message is not None and await self.ingest(message)

    async def answer_callback(self, raw: dict[str, Any]) -> None:
        """Stop the tapped button's spinner; the real answer comes as a message."""
        query_id = callback_query_id(raw)
        if query_id is None:
            return
        try:
            await self.bot.answer_callback_query(callback_query_id=query_id,
                                                 request_timeout=ANSWER_TIMEOUT)
        except AiogramError as exc:
            # Old or already answered queries are refused; the tap itself is stored.
            log.info("answerCallbackQuery %s failed: %s", query_id, exc)
