"""One timeline per contact across the four jobs: messages, tickets, surveys, feedback, beta,
consent — newest first, paged with one cursor.

Each source is a small query ordered by ``(created_at, id)``; the timeline merges them by the
key ``(at, source, id)``, so a page boundary inside a burst of same-second entries loses nothing.
Domain events (``feedback.created``, ``survey.completed``, ``beta.applied``, ``ticket.opened``,
``ticket.closed``, ``contact.erased``) come from the ``events`` table that every feature writes
in the same transaction as the change, so the timeline needs no copy of their logic.
"""

from __future__ import annotations

import heapq
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.consent import ConsentEvent
from bot.storage.events import Event
from bot.storage.models import MessageLog
from bot.storage.tickets import Ticket, TicketMessage

PREVIEW = 280
"""Characters of a message's text the timeline shows."""


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """Something that happened with the contact."""

    at: datetime
    source: str
    """Which table it came from (part of the sort key)."""
    id: int
    kind: str
    """What happened: ``message.in``, ``message.out``, ``ticket.reply``, ``consent.grant``,
    ``feedback.created`` …"""
    summary: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[datetime, str, int]:
        """Where the entry sorts (newest first means largest key first)."""
        return (self.at, self.source, self.id)


Key = tuple[datetime, str, int]
Provider = Callable[[AsyncSession, int, Key | None, int], Awaitable[list[TimelineEntry]]]


def before(at: InstrumentedAttribute[datetime], ident: InstrumentedAttribute[int], source: str,
           key: Key | None) -> ColumnElement[bool]:
    """Rows of ``source`` that sort strictly after ``key`` in newest-first order."""
    if key is None:
        return true()
    moment, key_source, key_id = key
    if source < key_source:
        return at <= moment
    if source == key_source:
        return or_(at < moment, and_(at == moment, ident < key_id))
    return at < moment


def _preview(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= PREVIEW else text[:PREVIEW - 1] + "…"


async def _messages(session: AsyncSession, contact_id: int, key: Key | None, limit: int
                    ) -> list[TimelineEntry]:
    rows = await session.scalars(
        select(MessageLog).where(MessageLog.contact_id == contact_id,
                                 before(MessageLog.created_at, MessageLog.id, "message", key))
        .order_by(MessageLog.created_at.desc(), MessageLog.id.desc()).limit(limit))
    return [TimelineEntry(row.created_at, "message", row.id, f"message.{row.direction}",
                          _preview(row.text or row.payload),
                          {"channel": row.channel, "chat_id": row.chat_id})
            for row in rows.all()]


async def _ticket_lines(session: AsyncSession, contact_id: int, key: Key | None, limit: int
                        ) -> list[TimelineEntry]:
    # Operators' lines only: the customer's own lines are already in the message log.
    rows = await session.execute(
        select(TicketMessage, Ticket.ref).join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .where(Ticket.contact_id == contact_id, TicketMessage.author != "customer",
               before(TicketMessage.created_at, TicketMessage.id, "ticket_message", key))
        .order_by(TicketMessage.created_at.desc(), TicketMessage.id.desc()).limit(limit))
    return [TimelineEntry(line.created_at, "ticket_message", line.id, f"ticket.{line.author}",
                          _preview(line.text), {"ticket": ref, "delivered": line.delivered})
            for line, ref in rows.all()]


async def _consent(session: AsyncSession, contact_id: int, key: Key | None, limit: int
                   ) -> list[TimelineEntry]:
    rows = await session.scalars(
        select(ConsentEvent).where(ConsentEvent.contact_id == contact_id,
                                   before(ConsentEvent.created_at, ConsentEvent.id, "consent",
                                          key))
        .order_by(ConsentEvent.created_at.desc(), ConsentEvent.id.desc()).limit(limit))
    return [TimelineEntry(row.created_at, "consent", row.id, f"consent.{row.action}",
                          f"{row.action} {row.purpose}",
                          {"purpose": row.purpose, "text_version": row.text_version,
                           "channel": row.channel})
            for row in rows.all()]


async def _events(session: AsyncSession, contact_id: int, key: Key | None, limit: int
                  ) -> list[TimelineEntry]:
    rows = await session.scalars(
        select(Event).where(Event.contact_id == contact_id,
                            before(Event.created_at, Event.id, "event", key))
        .order_by(Event.created_at.desc(), Event.id.desc()).limit(limit))
    return [TimelineEntry(row.created_at, "event", row.id, row.name, _event_summary(row),
                          dict(row.payload or {}))
            for row in rows.all()]


def _event_summary(event: Event) -> str:
    payload = event.payload or {}
    parts = [event.name]
    for name in ("ref", "survey", "campaign", "category", "sentiment", "status", "score"):
        if payload.get(name) not in (None, ""):
            parts.append(f"{name}={payload[name]}")
    return " ".join(parts)


PROVIDERS: dict[str, Provider] = {
    "message": _messages,
    "ticket_message": _ticket_lines,
    "consent": _consent,
    "event": _events,
}
"""Timeline sources by name; features' own detail joins here as they offer query functions."""


async def contact_timeline(
    session: AsyncSession, contact_id: int, *, after: Key | None = None, limit: int = 50,
) -> list[TimelineEntry]:
    """The contact's newest ``limit`` entries (after the entry ``after`` when paging)."""
    merged: list[TimelineEntry] = []
    for provider in PROVIDERS.values():
        merged.extend(await provider(session, contact_id, after, limit))
    return heapq.nlargest(limit, merged, key=lambda entry: entry.key)
