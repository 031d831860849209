"""Sending to a contact outside a turn (reminders, invitations, operator replies)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Reply
from bot.storage.inbox import chat_key
from bot.storage.models import Conversation, OutboxItem


async def send_to_contact(
    session: AsyncSession, contact_id: int, reply: Reply, *, bulk: bool = False
) -> bool:
    """Queue ``reply`` to the contact's most recent chat; False when they have none.

    ``bulk`` marks broadcasts (invitations, reminders), which obey the bot-wide limit.
    Written in ``session``'s transaction, like a turn's replies.
    """
    conversation = await session.scalar(
        select(Conversation).where(Conversation.contact_id == contact_id)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(1)
    )
    if conversation is None:
        return False
    session.add(OutboxItem(
        channel=conversation.channel, account=conversation.account,
        chat_id=conversation.chat_id,
        chat_key=chat_key(conversation.channel, conversation.account, conversation.chat_id),
        contact_id=contact_id, reply=reply.to_json(), bulk=bulk,
    ))
    return True
