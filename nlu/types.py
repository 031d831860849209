"""Neutral NLU result types and the backend contract the bot depends on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

OUT_OF_SCOPE = "out_of_scope"
"""Intent name reported when no trained intent fits the message."""


@dataclass(frozen=True, slots=True)
class IntentScore:
    """One intent with its calibrated confidence in [0, 1]."""

    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity found in the text; ``start``/``end`` are character offsets."""

    entity: str
    value: str
    start: int
    end: int
    extractor: str


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """An ISO 639-1 code and how sure the identifier is (1.0 when given by the caller)."""

    code: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Parse:
    """Everything the NLU says about one message."""

    text: str
    language: LanguageGuess
    intent: IntentScore
    ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = field(default_factory=tuple)
    sentiment: float = 0.0
    """From -1 (angry, negative) to 1 (happy); 0 when neutral or unknown."""

    @property
    def out_of_scope(self) -> bool:
        """True when no trained intent fits the message."""
        return self.intent.name == OUT_OF_SCOPE


@dataclass(frozen=True, slots=True)
class Example:
    """One training utterance: text, intent, language and its annotated entities."""

    text: str
    intent: str
    language: str | None = None
    entities: tuple[Entity, ...] = ()


class NluBackend(Protocol):
    """What the bot calls: an in-process model or a remote Rasa server."""

    async def parse(self, text: str, *, language: str | None = None) -> Parse:
        """Parse ``text``; ``language`` is the customer's stored language, if known."""
        ...
