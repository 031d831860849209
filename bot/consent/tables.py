"""The consent ledger: grant and withdraw events per purpose, appended, never overwritten."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
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
