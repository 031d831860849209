"""Writing inbound updates to the inbox before the platform is acknowledged."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.messages import Inbound
from bot.storage.models import InboxItem
from bot.storage.session import SessionMaker


def chat_key(channel: str, account: str | None, chat_id: str) -> str:
    """One key per chat, across accounts (bots, pages) of a channel."""
    return f"{channel}:{account or ''}:{chat_id}"


async def enqueue(sessionmaker: SessionMaker, message: Inbound) -> bool:
    """Store ``message`` durably; False when this update was already stored (a redelivery)."""
    item = InboxItem(
        channel=message.channel,
        update_id=message.update_id,
        chat_key=chat_key(message.channel, message.account, message.chat_id),
        message=message.to_json(),
    )
    try:
        async with sessionmaker.begin() as session:
            session.add(item)
    except IntegrityError:
        return False
    return True
