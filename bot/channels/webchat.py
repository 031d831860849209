"""The local web chat: sending is recording, the browser fetches from the message log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from bot.channels.base import Limit
from bot.messages import Reply

NAME = "webchat"


class WebChatChannel:
    """Delivery to a browser is immediate: the sender writes the log the page polls."""

    name = NAME

    def limits(self, chat_id: str, account: str | None = None) -> Sequence[Limit]:
        """No platform limits; a browser reads as fast as we write."""
        return ()

    async def send(self, *, chat_id: str, reply: Reply, account: str | None) -> str:
        """Nothing to call: the message log entry the sender writes is the delivery."""
        return uuid.uuid4().hex
