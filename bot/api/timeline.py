"""One timeline per contact across the four jobs: messages, tickets, surveys, feedback, beta,
consent — newest first, paged with one cursor.

Each source is a small query ordered by ``(created_at, id)``; the timeline merges them by the
key ``(at, source, id)``, so a page boundary inside a burst of same-second entries loses nothing.
Feedback items, survey answers and beta applications are read from their features' tables
(the rows as stored, never a recount); ``ticket.opened``, ``ticket.closed``,
``survey.completed`` and ``contact.erased`` come from the ``events`` table every feature writes
in the same transaction as the change.
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

from bot.beta.tables import APPLIED, BetaApplication
from bot.consent import ConsentEvent
from bot.feedback.tables import FeedbackItem
from bot.storage.events import Event
from bot.storage.models import MessageLog
from bot.support.tickets import Ticket, TicketMessage
from bot.surveys.store import _answer_value as answer_value
from bot.surveys.tables import SurveyAnswer, SurveyResponse

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


async def _feedback(session: AsyncSession, contact_id: int, key: Key | None, limit: int
                    ) -> list[TimelineEntry]:
    rows = await session.scalars(
        select(FeedbackItem).where(FeedbackItem.contact_id == contact_id,
                                   before(FeedbackItem.created_at, FeedbackItem.id, "feedback",
                                          key))
        .order_by(FeedbackItem.created_at.desc(), FeedbackItem.id.desc()).limit(limit))
    return [TimelineEntry(row.created_at, "feedback", row.id, "feedback.created",
                          _preview(row.text),
                          {"feedback_id": row.id, "category": row.category,
                           "product": row.product, "sentiment": row.sentiment,
                           "rating": row.rating, "theme_id": row.theme_id,
                           "origin": row.origin, "ticket_id": row.ticket_id})
            for row in rows.all()]


async def _survey_answers(session: AsyncSession, contact_id: int, key: Key | None, limit: int
                          ) -> list[TimelineEntry]:
    rows = await session.execute(
        select(SurveyAnswer).join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.contact_id == contact_id, SurveyAnswer.superseded.is_(False),
               before(SurveyAnswer.created_at, SurveyAnswer.id, "survey_answer", key))
        .order_by(SurveyAnswer.created_at.desc(), SurveyAnswer.id.desc()).limit(limit))
    entries = []
    for (answer,) in rows.all():
        value = answer_value(answer)
        shown = "skipped" if answer.skipped else ", ".join(map(str, value)) \
            if isinstance(value, list) else str(value)
        entries.append(TimelineEntry(
            answer.created_at, "survey_answer", answer.id, "survey.answer",
            _preview(f"{answer.question_text} — {shown}"),
            {"survey": answer.survey_id, "question": answer.question_id,
             "type": answer.question_type, "value": value, "response_id": answer.response_id}))
    return entries


async def _beta(session: AsyncSession, contact_id: int, key: Key | None, limit: int
                ) -> list[TimelineEntry]:
    # Applying is one entry (applied_at); the status it has now is another (updated_at).
    applied = await session.scalars(
        select(BetaApplication).where(
            BetaApplication.contact_id == contact_id,
            before(BetaApplication.applied_at, BetaApplication.id, "beta", key))
        .order_by(BetaApplication.applied_at.desc(), BetaApplication.id.desc()).limit(limit))
    now = await session.scalars(
        select(BetaApplication).where(
            BetaApplication.contact_id == contact_id, BetaApplication.status != APPLIED,
            before(BetaApplication.updated_at, BetaApplication.id, "beta_status", key))
        .order_by(BetaApplication.updated_at.desc(), BetaApplication.id.desc()).limit(limit))
    return [*(TimelineEntry(row.applied_at, "beta", row.id, "beta.applied",
                            f"applied to {row.campaign}",
                            {"campaign": row.campaign, "via": row.via})
              for row in applied.all()),
            *(TimelineEntry(row.updated_at, "beta_status", row.id, f"beta.{row.status}",
                            f"{row.status} in {row.campaign}",
                            {"campaign": row.campaign, "reason": row.reason})
              for row in now.all())]


COVERED = ("feedback.created", "beta.applied")
"""Events whose feature rows are shown instead, with more detail."""


async def _events(session: AsyncSession, contact_id: int, key: Key | None, limit: int
                  ) -> list[TimelineEntry]:
    rows = await session.scalars(
        select(Event).where(Event.contact_id == contact_id, Event.name.not_in(COVERED),
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
    "feedback": _feedback,
    "survey_answer": _survey_answers,
    "beta": _beta,
    "event": _events,
}
"""Timeline sources by name (each reads its rows; no feature's counting is repeated here)."""


async def contact_timeline(
    session: AsyncSession, contact_id: int, *, after: Key | None = None, limit: int = 50,
) -> list[TimelineEntry]:
    """The contact's newest ``limit`` entries (after the entry ``after`` when paging)."""
    merged: list[TimelineEntry] = []
    for provider in PROVIDERS.values():
        merged.extend(await provider(session, contact_id, after, limit))
    return heapq.nlargest(limit, merged, key=lambda entry: entry.key)
