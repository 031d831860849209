"""Domain events (``feedback.created``, ``ticket.closed`` …) written in the turn's transaction.

Features call :func:`emit`; consumers (outbound webhooks, the dashboard's activity) read the
``events`` table in id order from their own cursor, so an event exists exactly when the change
that produced it committed, and none is lost if a consumer is down.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, utcnow
from bot.storage.models import Id

EVENT_NAMES = (
    "feedback.created",
    "survey.completed",
    "beta.applied",
    "ticket.opened",
    "ticket.closed",
    "contact.erased",
)
"""The events outbound webhooks can subscribe to."""


class Event(Base):
    """Something that happened, with a JSON body free of secrets."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


async def emit(
    session: AsyncSession, name: str, payload: dict[str, Any], *, contact_id: int | None = None
) -> None:
    """Record event ``name`` in ``session``'s transaction."""
    session.add(Event(name=name, contact_id=contact_id, payload=payload))
