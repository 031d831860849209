"""Neutral NLU result types and the backend contract the bot depends on."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

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
    role: str | None = None
    """Rasa's entity role (``[Berlin]{"entity": "city", "role": "departure"}``)."""
    group: str | None = None
    """Rasa's entity group, tying entities that belong together."""

    def to_json(self) -> dict[str, Any]:
        """Rasa's entity shape: ``role``/``group`` only when set, as Rasa returns them."""
        found = asdict(self)
        return {key: value for key, value in found.items()
                if value is not None or key not in ("role", "group")}


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """An ISO 639-1 code and how sure the identifier is (1.0 when given by the caller)."""

    code: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Retrieval:
    """A retrieval intent's sub-intent, as Rasa's ``response_selector`` reports it.

    Training on ``faq/ask_price`` makes the intent ``faq`` and this ``faq/ask_price``.
    """

    retrieval_intent: str
    """The base intent, ``faq``."""
    intent_response_key: str
    """The full name, ``faq/ask_price``."""
    confidence: float
    ranking: tuple[IntentScore, ...] = ()


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
    response_selector: Retrieval | None = None
    """The sub-intent when the top intent is a retrieval intent (``faq/...``)."""

    @property
    def out_of_scope(self) -> bool:
        """True when no trained intent fits the message."""
        return self.intent.name == OUT_OF_SCOPE

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; ``response_selector`` keyed by base intent, as in Rasa."""
        found = asdict(self)
        found["entities"] = [entity.to_json() for entity in self.entities]
        found["out_of_scope"] = self.out_of_scope
        selection = found.pop("response_selector")
        if self.response_selector is not None:
            found["response_selector"] = {
                self.response_selector.retrieval_intent: {
                    "response": {
                        "intent_response_key": selection["intent_response_key"],
                        "confidence": selection["confidence"],
                    },
                    "ranking": selection["ranking"],
                }
            }
        return found


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
