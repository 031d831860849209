"""Writing inbound updates to the inbox before the platform is acknowledged."""

from __future__ import annotations

import hashlib
from dataclasses import fields, replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.messages import Inbound
from bot.storage.models import InboxItem
from bot.storage.session import SessionMaker

MAX_ID = 128
"""Length of the id columns; longer update ids are hashed, longer message ids cut."""
MAX_NAME = 256


def chat_key(channel: str, account: str | None, chat_id: str) -> str:
    """One key per chat, across accounts (bots, pages) of a channel."""
    return f"{channel}:{account or ''}:{chat_id}"


def storable(message: Inbound) -> Inbound:
    """``message`` as every database can keep it: no NUL characters, ids and name that fit."""
    cleaned: dict[str, Any] = {f.name: value.replace("\x00", "") for f in fields(message)
               if isinstance(value := getattr(message, f.name), str) and "\x00" in value}
    message = replace(message, **cleaned)
    update_id = message.update_id
    if len(update_id) > MAX_ID:  # still deduplicates: the same long id gives the same digest
        update_id = "sha256:" + hashlib.sha256(update_id.encode()).hexdigest()
    return replace(message, update_id=update_id,
                   message_id=message.message_id[:MAX_ID] if message.message_id else None,
                   user_name=message.user_name[:MAX_NAME] if message.user_name else None)


async def enqueue(sessionmaker: SessionMaker, message: Inbound) -> bool:
    """Store ``message`` durably; False when this update was already stored (a redelivery)."""
    message = storable(message)
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
