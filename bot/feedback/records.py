"""What the pure feedback handlers read from context and ask storage to write: plain data."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.types import Record
from bot.messages import Attachment

DUPLICATE = "feedback.duplicate"
"""Context key: True when this contact already filed exactly this text (recently)."""
HINTED = frozenset({"feature_request", "bug"})
"""Categories whose customers are told how many others asked for the same."""
THEME_HINT = "feedback.theme_hint"
"""Context key: a ``ThemeHint`` for the theme this message would join, if any."""
ALBUM = "feedback.album"
"""Context key: the key of the contact's item that holds earlier photos of this album."""


@dataclass(frozen=True, slots=True)
class ThemeHint:
    """The theme a message would join and how many other people are already in it."""

    theme_id: int
    others: int


@dataclass(frozen=True, slots=True)
class CaptureFeedback(Record):
    """File one feedback item (or update the item with the same ``key``: a rating's comment)."""

    key: str
    text: str
    language: str
    channel: str
    origin: str
    category: str | None
    product: str | None
    sentiment: float
    concepts: tuple[tuple[str, float], ...] = ()
    rating: int | None = None
    survey_id: str | None = None
    survey_question: str | None = None
    survey_response: str | None = None
    attachments: tuple[Attachment, ...] = ()
    """Photos and files sent with the text (metadata only, never the bytes)."""


@dataclass(frozen=True, slots=True)
class ClassifyFeedback(Record):
    """The customer's answer to the follow-up: the item's category or product."""

    key: str
    category: str | None = None
    product: str | None = None


@dataclass(frozen=True, slots=True)
class AttachFeedback(Record):
    """Photos or files sent while feedback is being given: add them to the item ``key``."""

    key: str
    attachments: tuple[Attachment, ...]
