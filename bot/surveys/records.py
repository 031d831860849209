"""What the pure survey flow reads from context and asks storage to write: plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.engine.types import Record

DONE = "surveys.done"
"""Context key: ids of the surveys this contact finished (completed or screened out)."""
PROMOTER_ASKED = "surveys.promoter_asked"
"""Context key: whether this contact was ever asked the promoter question."""


@dataclass(frozen=True, slots=True)
class StartResponse(Record):
    """A contact began a survey; ``key`` names the response in later records."""

    key: str
    survey_id: str
    version: str
    language: str
    channel: str
    source: str | None
    campaign: str | None
    hidden: dict[str, str] = field(default_factory=dict)
    first_question: str = ""


@dataclass(frozen=True, slots=True)
class SaveAnswer(Record):
    """One answer (``skipped`` when passed over), stored the moment it is given."""

    key: str
    survey_id: str
    version: str
    question_id: str
    question_type: str
    question_text: str
    value: Any
    option_ids: tuple[str, ...]
    skipped: bool
    next_question: str | None
    """Where the respondent is now (for drop-off); None when the survey ended."""


@dataclass(frozen=True, slots=True)
class UndoAnswer(Record):
    """``/back``: the answer to ``question_id`` no longer counts; they will answer again."""

    key: str
    question_id: str


@dataclass(frozen=True, slots=True)
class FinishResponse(Record):
    """The response ended: ``completed``, ``screened_out`` or ``cancelled``."""

    key: str
    status: str
    ending: str | None = None
    nps: int | None = None


@dataclass(frozen=True, slots=True)
class PromoterAsked(Record):
    """The promoter question was put to this contact (it is asked once per contact)."""

    key: str
