"""Writing inbound updates to the inbox before the platform is acknowledged."""

from __future__ import annotations

import hashlib
import re
from dataclasses import fields, replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.messages import Inbound
from bot.storage.models import InboxItem
from bot.storage.outage import Unavailable, is_outage, outage_log
from bot.storage.session import SessionMaker

MAX_ID = 128
"""Length of the id columns; longer update ids are hashed, longer message ids cut."""
MAX_NAME = 256
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""NUL (PostgreSQL text refuses it) and lone UTF-16 surrogates (no UTF-8 encoder takes them;
JSON's ``\\ud800`` escape makes them)."""


def clean_text(value: str) -> str:
    """``value`` as UTF-8 storage keeps it: NUL dropped, a lone surrogate shown as U+FFFD."""
    if not _UNSTORABLE.search(value):
        return value
    return _UNSTORABLE.sub(lambda found: "" if found.group() == "\x00" else "\ufffd", value)


def chat_key(channel: str, account: str | None, chat_id: str) -> str:
    """One key per chat, across accounts (bots, pages) of a channel."""
    return f"{channel}:{account or ''}:{chat_id}"


def storable(message: Inbound) -> Inbound:
    """``message`` as every database can keep it: valid UTF-8 without NUL, ids and name that fit.

    Cleaning beats refusing: a webhook platform redelivers what it was refused, forever.
    """
    cleaned: dict[str, Any] = {f.name: clean_text(value) for f in fields(message)
                               if isinstance(value := getattr(message, f.name), str)}
    message = replace(message, **cleaned)
    update_id = message.update_id
    if len(update_id) > MAX_ID:  # still deduplicates: the same long id gives the same digest
        update_id = "sha256:" + hashlib.sha256(update_id.encode()).hexdigest()
    return replace(message, update_id=update_id,
                   message_id=message.message_id[:MAX_ID] if message.message_id else None,
                   user_name=message.user_name[:MAX_NAME] if message.user_name else None)


async def enqueue(sessionmaker: SessionMaker, message: Inbound) -> bool:
    """Store ``message`` durably; False when this update was already stored (a redelivery).

    Raises ``Unavailable`` when the database cannot be reached (logged once per outage).
    """
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
        outage_log(sessionmaker).reached()
        return False
    except Exception as exc:
        if not is_outage(exc):
            raise
        outage_log(sessionmaker).failed(exc)
        raise Unavailable(str(exc)) from exc
    outage_log(sessionmaker).reached()
    return True
