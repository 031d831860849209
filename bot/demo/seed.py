"""``sarafan demo seed``: a month of a tea shop's customers, chats and tickets, five languages.

Rows are written the way the features write them (the same tables and, where a feature offers
one, its own record function), with times spread over the last 30 days, so every dashboard page
and API list has something real to show. Seeding twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.consent.tables import ConsentEvent
from bot.demo import features
from bot.demo.data import (
    BOT_HANDOFF,
    CHANNELS,
    OPERATOR_ANSWERS,
    PEOPLE,
    QUESTIONS,
    SOURCES,
    TICKETS,
)
from bot.storage.models import Contact, Conversation, MessageLog
from bot.support.tickets import CLOSED, OPEN, WAITING, Ticket, TicketMessage

PREFIX = "demo-"
"""Every demo contact's external id starts with this, so the demo is recognised."""
PAGE = "demo-page"


@dataclass
class Seeded:
    """How many rows of each kind the seed wrote."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, number: int = 1) -> None:
        """Count ``number`` more rows of ``kind``."""
        self.counts[kind] = self.counts.get(kind, 0) + number


@dataclass(frozen=True, slots=True)
class Person:
    """A seeded contact and the chat they use."""

    contact: Contact
    chat_id: str
    language: str
    index: int


def chat_id_for(language: str, index: int) -> str:
    """The demo chat id of customer ``index`` (0-based) in ``language``; a valid web chat id."""
    return f"{PREFIX}{language}-{index + 1:02d}"


async def already_seeded(session: AsyncSession) -> bool:
    """Whether demo contacts exist."""
    return await session.scalar(
        select(Contact.id).where(Contact.external_id.startswith(PREFIX)).limit(1)) is not None


async def seed(*, session: AsyncSession, now: datetime) -> Seeded | None:
    """Write the demo in ``session``'s transaction; None when it is already there."""
    if await already_seeded(session):
        return None
    done = Seeded()
    people = [await _person(session, language, index, name, now, done)
              for language, names in PEOPLE.items() for index, name in enumerate(names)]
    for person in people:
        _chat(session, person, now, done)
        _consent(session, person, done)
    for number, person in enumerate(p for p in people if p.index < len(TICKETS[p.language])):
        await _ticket(session, person, number, now, done)
    await features.seed_feedback(session, people, now, done)
    await features.seed_surveys(session, people, now, done)
    await features.seed_beta(session, people, now, done)
    await features.seed_webhooks(session, now, done)
    return done


async def _person(session: AsyncSession, language: str, index: int, name: str, now: datetime,
                  done: Seeded) -> Person:
    spread = list(PEOPLE).index(language) * len(PEOPLE[language]) + index
    channel = CHANNELS[(index + list(PEOPLE).index(language)) % len(CHANNELS)]
    chat_id = chat_id_for(language, index)
    seen = now - timedelta(days=(spread * 7) % 29, hours=spread % 11)
    contact = Contact(channel=channel, external_id=chat_id, display_name=name, language=language,
                      language_source="chosen", first_seen=seen, last_seen=seen,
                      source=SOURCES[spread % len(SOURCES)])
    session.add(contact)
    await session.flush()
    session.add(Conversation(contact_id=contact.id, channel=channel, chat_id=chat_id,
                             account=PAGE if channel == "messenger" else None, data={},
                             updated_at=seen))
    done.add("contacts")
    return Person(contact, chat_id, language, index)


def _chat(session: AsyncSession, person: Person, now: datetime, done: Seeded) -> None:
    question, answer = QUESTIONS[person.language][person.index % 2]
    at = person.contact.first_seen
    for direction, text, offset in (("in", question, 0), ("out", answer, 2)):
        session.add(MessageLog(
            contact_id=person.contact.id, direction=direction, channel=person.contact.channel,
            chat_id=person.chat_id, text=text, created_at=at + timedelta(seconds=offset),
            body={"language": person.language} if direction == "out" else None))
    done.add("messages", 2)


def _consent(session: AsyncSession, person: Person, done: Seeded) -> None:
    purposes = ("support", "research", "beta")[: 1 + person.index % 3]
    for purpose in purposes:
        session.add(ConsentEvent(contact_id=person.contact.id, purpose=purpose, action="grant",
                                 text_version="2026-11", channel=person.contact.channel,
                                 created_at=person.contact.first_seen))
        done.add("consent events")


async def _ticket(session: AsyncSession, person: Person, number: int, now: datetime,
                  done: Seeded) -> None:
    """Ticket ``number``: open, answered or closed in turn, opened hours to weeks ago."""
    status = (OPEN, WAITING, CLOSED)[person.index % 3]
    opened = max(person.contact.first_seen, now - timedelta(days=number % 20, hours=number))
    opened = min(opened + timedelta(minutes=5), now - timedelta(minutes=30 + number))
    language = person.language
    ticket = Ticket(ref=f"{person.contact.id}-1", contact_id=person.contact.id,
                    channel=person.contact.channel, chat_id=person.chat_id,
                    account=PAGE if person.contact.channel == "messenger" else None,
                    language=language, status=status, priority=1 if number % 4 == 1 else 0,
                    reason=("request", "complaint", "misses")[number % 3], opened_at=opened,
                    source=person.contact.source)
    lines = [("customer", TICKETS[language][person.index], opened),
             ("bot", BOT_HANDOFF[language], opened + timedelta(seconds=2))]
    if status != OPEN:
        answered = opened + timedelta(minutes=7 + 13 * (number % 9))
        ticket.first_response_at = answered
        lines.append(("operator", OPERATOR_ANSWERS[language], answered))
    if status == CLOSED:
        ticket.closed_at, ticket.closed_by = opened + timedelta(hours=5), "operator"
        lines.append(("system", "closed by operator", ticket.closed_at))
    ticket.transcript = [TicketMessage(author=author, text=text, created_at=at)
                         for author, text, at in lines]
    session.add(ticket)
    session.add(MessageLog(contact_id=person.contact.id, direction="in",
                           channel=person.contact.channel, chat_id=person.chat_id,
                           text=TICKETS[language][person.index], created_at=opened))
    session.add(MessageLog(contact_id=person.contact.id, direction="out",
                           channel=person.contact.channel, chat_id=person.chat_id,
                           text=BOT_HANDOFF[language], body={"language": language},
                           created_at=opened + timedelta(seconds=2)))
    await session.flush()
    done.add("tickets")
