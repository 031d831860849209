"""Contacts and their dialogue state, with keyword-only functions taking a session."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.types import ContactInfo, DialogueState
from bot.storage.base import utcnow
from bot.storage.models import Contact, Conversation


async def upsert_contact(
    *, session: AsyncSession, channel: str, external_id: str, display_name: str | None
) -> Contact:
    """The contact for this channel user, created on first sight; ``last_seen`` updated."""
    contact = await session.scalar(
        select(Contact).where(Contact.channel == channel, Contact.external_id == external_id)
    )
    if contact is None:
        contact = Contact(channel=channel, external_id=external_id, display_name=display_name)
        session.add(contact)
        await session.flush()
    else:
        contact.last_seen = utcnow()
        if display_name and contact.display_name != display_name:
            contact.display_name = display_name
    return contact


async def load_conversation(
    *, session: AsyncSession, contact: Contact, chat_id: str, account: str | None = None
) -> Conversation:
    """The conversation row of this contact in this chat, created idle when new."""
    conversation = await session.scalar(
        select(Conversation).where(
            Conversation.contact_id == contact.id, Conversation.chat_id == chat_id
        )
    )
    if conversation is None:
        conversation = Conversation(
            contact_id=contact.id, channel=contact.channel, chat_id=chat_id, account=account,
            data={},
        )
        session.add(conversation)
        await session.flush()
    elif account and conversation.account != account:
        conversation.account = account
    return conversation


def state_of(conversation: Conversation) -> DialogueState:
    """The engine's view of a conversation row."""
    return DialogueState(conversation.flow, conversation.step, dict(conversation.data or {}))


def save_state(conversation: Conversation, state: DialogueState) -> None:
    """Write the engine's new state; the version column guards against a concurrent turn."""
    if state_of(conversation) == state:
        return
    conversation.flow, conversation.step = state.flow, state.step
    conversation.data = dict(state.data)
    conversation.updated_at = utcnow()


def info_of(contact: Contact, language: str) -> ContactInfo:
    """The engine's view of a contact, answering in ``language``."""
    return ContactInfo(contact.id, contact.channel, contact.external_id, language,
                       contact.language_source, contact.display_name, contact.source)
