"""Tables of bot.feedback: feedback items and the themes that group them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, utcnow
from bot.storage.models import Id

ERASED = "[erased]"
"""What an erased item's text becomes: it still counts, but says nothing about the person."""


class FeedbackTheme(Base):
    """A group of similar feedback in any language; people may merge and split them."""

    __tablename__ = "feedback_themes"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    signature: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    """Concept id -> weight: what new feedback is compared with to join this theme."""
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_themes.id", ondelete="SET NULL"), index=True)
    """Set when a person merged this theme into another; new members go there instead."""
    manual: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Made by a person (a split): regrouping never dissolves it."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeedbackItem(Base):
    """One piece of feedback, with where it came from and what it is about."""

    __tablename__ = "feedback_items"
    __table_args__ = (
        Index(None, "created_at"),
        Index(None, "contact_id", "text_hash"),
        Index(None, "theme_id", "created_at"),
        # The API's usual filters, in id order (revision 0010): a filtered page reads only
        # its rows, and counts by category read the index alone.
        Index("ix_feedback_items_category_language_channel", "category", "language",
              "channel", "id"),
        Index("ix_feedback_items_category_contact_id", "category", "contact_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    """Where it was captured (``<channel>:<update>`` or ``survey:…``): one item per origin."""
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    source: Mapped[str | None] = mapped_column(String(128), index=True)
    """The entry link that first brought the contact (attribution)."""
    campaign: Mapped[str | None] = mapped_column(String(128), index=True)
    """The beta campaign the contact tests for, from ``feedback.campaign`` hooks."""
    origin: Mapped[str] = mapped_column(String(16))
    """command, detected, survey, rating or ticket."""
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(24), index=True)
    product: Mapped[str | None] = mapped_column(String(48), index=True)
    sentiment: Mapped[str] = mapped_column(String(8))
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)
    rating: Mapped[int | None] = mapped_column(Integer)
    concepts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """Ids and types of photos/files (never the bytes)."""
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    survey_id: Mapped[str | None] = mapped_column(String(64))
    survey_question: Mapped[str | None] = mapped_column(String(64))
    survey_response: Mapped[str | None] = mapped_column(String(64))
    """The survey response's key, when the answer came from a survey."""
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_themes.id", ondelete="SET NULL"))
    theme_manual: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A person put it in its theme: regrouping leaves it there."""
    erased: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
