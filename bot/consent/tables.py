"""The consent ledger: grant and withdraw events per purpose, appended, never overwritten."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, utcnow
from bot.storage.models import Id


class ConsentEvent(Base):
    """One grant or withdrawal of consent for one purpose, with the text version agreed to."""

    __tablename__ = "consent_events"
    __table_args__ = (Index(None, "contact_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    """``grant``, ``withdraw`` or ``decline`` (asked and said no)."""
    text_version: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Erasure(Base):
    """One erasure request (``/forget`` or Messenger's deletion callback) and how it went.

    The row keeps no personal data: ``contact_id`` is cleared once the erasure has run, the
    confirmation code is random, and ``counts`` holds only table names and row counts.
    """

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    """The confirmation code shown to the person (Messenger's status page reads it)."""
    origin: Mapped[str] = mapped_column(String(16))
    """``chat`` (/forget), ``messenger`` (the data-deletion callback) or ``operator`` (CLI)."""
    status: Mapped[str] = mapped_column(String(16), default="pending")
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
