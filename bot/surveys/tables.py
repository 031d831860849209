"""Tables of bot.surveys: survey versions, responses and answers (revision 0004).

A response keeps the version it started on, where it came from (source, channel, language)
and its status; each answer keeps the version and the exact question text the respondent
read, plus option ids, so results merge languages and compatible versions by id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, utcnow
from bot.storage.models import Id

RUNNING, COMPLETED, SCREENED_OUT, CANCELLED, ABANDONED = (
    "running", "completed", "screened_out", "cancelled", "abandoned")
FINISHED = (COMPLETED, SCREENED_OUT)


class SurveyVersion(Base):
    """One version (content hash) of a survey file, with its definition as it was."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(256))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyResponse(Base):
    """One contact taking one survey once."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index(None, "survey_id", "status"),
        Index(None, "contact_id", "survey_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    survey_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(16))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"))
    """None once the contact is erased: the choice answers stay, unlinked from the person."""
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    """The support ticket a post-support CSAT is about."""
    channel: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    source: Mapped[str | None] = mapped_column(String(128))
    campaign: Mapped[str | None] = mapped_column(String(128))
    hidden: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=RUNNING)
    ending: Mapped[str | None] = mapped_column(String(64))
    current_question: Mapped[str | None] = mapped_column(String(64))
    """Where the respondent is (or stopped): drop-off per question."""
    promoter_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]


class SurveyAnswer(Base):
    """One answer; ``superseded`` when the respondent went /back and answered again."""

    __tablename__ = "survey_answers"
    __table_args__ = (Index(None, "response_id", "question_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"))
    survey_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(16))
    question_id: Mapped[str] = mapped_column(String(64))
    question_type: Mapped[str] = mapped_column(String(16))
    question_text: Mapped[str] = mapped_column(Text)
    """Exactly what the respondent read (their language, piped values filled in)."""
    option_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    number: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    """Free text, e-mail, phone or date; erased by /forget for text, e-mail and phone."""
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    erased: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
