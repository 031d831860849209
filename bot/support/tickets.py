"""Support tables: handoff tickets with their transcript, and ratings of FAQ answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    case,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from bot.storage.base import Base, utcnow
from bot.storage.models import Id

OPEN, WAITING, CLOSED = "open", "waiting", "closed"
"""Ticket statuses: waiting for an operator, waiting for the customer, finished."""


class Ticket(Base):
    """A conversation handed over to people; ``ref`` is what operators and customers see."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index(None, "status", "priority", "opened_at"),
        Index(None, "contact_id", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    account: Mapped[str | None] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(128))
    """The entry link that first brought the contact (attribution)."""
    transcript: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )

    @property
    def time_to_first_response(self) -> timedelta | None:
        """How long the customer waited for the first operator reply."""
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.opened_at


class TicketMessage(Base):
    """One line of a ticket's transcript; ``delivered`` is False for replies nobody received."""

    __tablename__ = "ticket_messages"
    __table_args__ = (Index(None, "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    delivered: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ticket: Mapped[Ticket] = relationship(back_populates="transcript")


class AnswerRating(Base):
    """A customer's verdict on one FAQ answer: one per contact and answer, changeable."""

    __tablename__ = "answer_ratings"
    __table_args__ = (Index(None, "entry_id", "created_at"),
                      UniqueConstraint("contact_id", "entry_id", "answer_message"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    entry_id: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer_message: Mapped[str] = mapped_column(String(128), default="", server_default="")
    """The platform id of the answer the buttons sat under; empty where the channel gives none
    (then a contact has one rating per entry)."""


async def list_tickets(*, session: AsyncSession, status: str | None, limit: int) -> list[Ticket]:
    """Tickets for operators: unfinished ones by priority then age; ``status`` filters."""
    query = select(Ticket).order_by(Ticket.status == CLOSED, Ticket.priority.desc(),
                                    Ticket.opened_at).limit(limit)
    if status is not None:
        query = query.where(Ticket.status == status)
    return list((await session.scalars(query)).all())


async def find_ticket(*, session: AsyncSession, ref: str) -> Ticket | None:
    """The ticket ``ref`` (as shown to people, with or without ``#``), with its transcript."""
    query = select(Ticket).where(Ticket.ref == ref.lstrip("#"))
    return await session.scalar(query.options(selectinload(Ticket.transcript)))


async def rating_summary(*, session: AsyncSession) -> list[tuple[str, int, int]]:
    """Per FAQ entry: helpful ratings and all ratings, least helpful share first."""
    helpful = func.sum(case((AnswerRating.helpful, 1), else_=0))
    rows = await session.execute(
        select(AnswerRating.entry_id, helpful, func.count())
        .group_by(AnswerRating.entry_id)
        .order_by(helpful * 1.0 / func.count(), AnswerRating.entry_id)
    )
    return [(entry, int(good or 0), int(total)) for entry, good, total in rows.all()]


@dataclass(frozen=True, slots=True)
class TicketStats:
    """The handoff queue now and over a period: what dashboards and reports show."""

    open: int
    """Waiting for an operator."""
    waiting: int
    """Answered, waiting for the customer."""
    opened: int
    closed: int
    answered: int
    """Tickets opened in the period that got a first operator reply."""
    median_first_response: timedelta | None
    opened_per_day: list[tuple[date, int]]


async def ticket_stats(*, session: AsyncSession, since: datetime, until: datetime) -> TicketStats:
    """Queue sizes now; tickets opened/closed and time to first response in [since, until)."""
    by_status = dict((await session.execute(
        select(Ticket.status, func.count()).where(Ticket.status != CLOSED)
        .group_by(Ticket.status))).all())
    period = (await session.execute(
        select(Ticket.opened_at, Ticket.first_response_at)
        .where(Ticket.opened_at >= since, Ticket.opened_at < until))).all()
    closed = await session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.closed_at >= since, Ticket.closed_at < until))
    waits = sorted(first - opened for opened, first in period if first is not None)
    days = {since.date() + timedelta(days=n): 0 for n in range((until - since).days + 1)}
    for opened, _first in period:
        days[opened.date()] = days.get(opened.date(), 0) + 1
    median = (waits[len(waits) // 2] if len(waits) % 2 else
              (waits[len(waits) // 2 - 1] + waits[len(waits) // 2]) / 2) if waits else None
    return TicketStats(open=int(by_status.get(OPEN, 0)), waiting=int(by_status.get(WAITING, 0)),
                       opened=len(period), closed=int(closed or 0), answered=len(waits),
                       median_first_response=median, opened_per_day=sorted(days.items()))
