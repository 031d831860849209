"""Contacts and their dialogue state, with keyword-only functions taking a session."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, bindparam, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.types import ContactInfo, DialogueState
from bot.storage.base import utcnow
from bot.storage.models import Contact, Conversation

Person = tuple[str, str]
"""A contact's key: ``(channel, external_id)``."""
Chat = tuple[int, str]
"""A conversation's key: ``(contact_id, chat_id)``."""


LAST_SEEN_STEP = timedelta(minutes=1)
"""``last_seen`` moves in steps this long: a customer writing several messages a minute costs
one UPDATE of their contact, not one per message. Every use of it (segments "seen within N
days", Messenger's 24-hour window, the API's filters) is at this resolution or coarser, and a
stale value errs on the safe side of the window."""


def seen(contact: Contact, now: datetime) -> None:
    """Note that ``contact`` wrote at ``now``."""
    if contact.last_seen is None or now - contact.last_seen >= LAST_SEEN_STEP:
        contact.last_seen = now


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
        seen(contact, utcnow())
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


async def languages_of(
    *, session: AsyncSession, people: Collection[Person]
) -> dict[Person, tuple[str | None, str | None]]:
    """Stored ``(language, language_source)`` of those of ``people`` already known: one query."""
    if not people:
        return {}
    rows = await session.execute(_languages_statement(), {"people": list(people)})
    return {(channel, external_id): (language, source)
            for channel, external_id, language, source in rows}


async def contacts_and_conversations(
    *, session: AsyncSession, people: Mapping[Person, str | None],
    chats: Mapping[Person, Mapping[str, str | None]],
) -> tuple[dict[Person, Contact], dict[Chat, Conversation]]:
    """``upsert_contact`` for several people (key -> display name) and ``load_conversation``
    for their chats (person -> chat id -> account): one query (each contact with its
    conversations in ``chats`` joined), then one insert per table for what is new."""
    wanted = [(*person, chat_id) for person, held in chats.items() for chat_id in held]
    rows = await session.execute(_contacts_conversations_statement(),
                                 {"people": list(people), "chats": wanted})
    found: dict[Person, Contact] = {}
    conversations: dict[Chat, Conversation] = {}
    for known, talk in rows:
        found[known.channel, known.external_id] = known
        if talk is not None:  # the outer join's NULL: no conversation in that chat yet
            conversations[talk.contact_id, talk.chat_id] = talk
    now, created = utcnow(), False
    for (channel, external_id), name in people.items():
        contact = found.get((channel, external_id))
        if contact is None:
            contact = Contact(channel=channel, external_id=external_id, display_name=name)
            found[channel, external_id] = contact
            session.add(contact)
            created = True
            continue
        seen(contact, now)
        if name and contact.display_name != name:
            contact.display_name = name
    if created:
        await session.flush()  # one INSERT for all new contacts: their ids key the conversations
    created = False
    for person, held in chats.items():
        contact = found[person]
        for chat_id, account in held.items():
            conversation = conversations.get((contact.id, chat_id))
            if conversation is None:
                conversation = Conversation(contact_id=contact.id, channel=contact.channel,
                                            chat_id=chat_id, account=account, data={})
                conversations[contact.id, chat_id] = conversation
                session.add(conversation)
                created = True
            elif account and conversation.account != account:
                conversation.account = account
    if created:
        await session.flush()
    return found, conversations


# Built once, their keys as an expanding parameter: these run for every group of turns, and
# building a statement anew costs about as much CPU as running it.
@functools.cache
def _languages_statement() -> Select[str, str, str | None, str | None]:
    return (select(Contact.channel, Contact.external_id, Contact.language,
                   Contact.language_source)
            .where(tuple_(Contact.channel, Contact.external_id)
                   .in_(bindparam("people", expanding=True))))


@functools.cache
def _contacts_conversations_statement() -> Select[Contact, Conversation]:
    """Each of ``people``'s contacts, with each of its conversations in ``chats`` (triples
    ``(channel, external_id, chat_id)``) or NULL: what two queries read before."""
    joined = and_(Conversation.contact_id == Contact.id,
                  tuple_(Contact.channel, Contact.external_id, Conversation.chat_id)
                  .in_(bindparam("chats", expanding=True)))
    return (select(Contact, Conversation).outerjoin(Conversation, joined)
            .where(tuple_(Contact.channel, Contact.external_id)
                   .in_(bindparam("people", expanding=True))))


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
