"""What one feedback message is: category, product, concepts, sentiment. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.feedback.catalog import Catalog
from nlu.sentiment import NEGATIVE, POSITIVE, polarity
from nlu.sentiment import sentiment as lexicon_sentiment
from nlu.themes import ConceptMatcher

CATEGORIES = ("bug", "feature_request", "praise", "complaint", "question")
DEFECT_CONCEPTS = frozenset({"broken", "error", "leak"})
"""Shipped concepts that on their own say something is broken."""
STRONG_NEGATIVE = -0.6
"""As angry as support's default ``angry_sentiment``: a complaint this negative gets a ticket."""
QUESTION_MARKS = ("?", "؟", ";", "\u037e")
"""Latin, Arabic-script (Persian) and Greek question marks (Greek writes ";" or U+037E)."""
FEEDBACK_SIGNAL = 1.0
"""How much cue evidence makes free text (outside /feedback) count as feedback."""


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the feedback feature reads from one message."""

    category: str | None
    """None when the cues do not decide (then the bot asks)."""
    product: str | None
    concepts: dict[str, float]
    sentiment: float
    signal: float
    """How clearly the text is feedback at all (cue hits; 0 for an ordinary question)."""
    asks: bool = False
    """Whether it reads as a question ("?" or a question cue): support answers those."""

    @property
    def polarity(self) -> str:
        """negative, neutral or positive."""
        return polarity(self.sentiment)


@cache
def _cues(language: str) -> ConceptMatcher:
    """Every language's cues as written, plus Latin spellings only for ``language``'s own.

    The Latin spellings made for transliterated Russian turn "баг*" (a bug) into "bag*": with
    them for every message, an English wish for "tea in bags" became a bug report.
    """
    raw = yaml.safe_load((Path(__file__).parent / "cues.yml").read_text("utf-8"))
    # A language code the transliterator does not know keeps an entry as it is written.
    return ConceptMatcher.build({category: {
        (lang if lang == language else f"{lang}-as-written"): entries
        for lang, entries in by_lang.items()} for category, by_lang in raw.items()})


def analyse(text: str, language: str, catalog: Catalog,
            sentiment: float | None = None) -> Analysis:
    """Category, product, concepts and sentiment of ``text`` (sentiment from the NLU if given)."""
    concepts = {key: float(n) for key, n in catalog.matcher.find(text).items()}
    mood = lexicon_sentiment(text, language) if sentiment is None else sentiment
    scores = {category: float(hits) for category, hits in _cues(language).find(text).items()}
    defects = sum(concepts.get(c, 0) for c in DEFECT_CONCEPTS)
    if defects:
        scores["bug"] = scores.get("bug", 0.0) + 1.0
    wish_or_bug = scores.get("feature_request", 0.0) + scores.get("bug", 0.0) > 0
    if mood >= POSITIVE and not wish_or_bug:  # "would be nice" is a wish, not praise
        scores["praise"] = scores.get("praise", 0.0) + 1.0
    if mood <= NEGATIVE and not defects:
        scores["complaint"] = scores.get("complaint", 0.0) + (2.0 if mood <= STRONG_NEGATIVE
                                                               else 1.0)
    if text.rstrip().endswith(QUESTION_MARKS):
        scores["question"] = scores.get("question", 0.0) + 0.5
    return Analysis(_decide(scores), catalog.product_of(concepts), concepts, mood,
                    _signal(scores), asks=scores.get("question", 0.0) > 0)


def _decide(scores: dict[str, float]) -> str | None:
    """The category with the most evidence, if it leads clearly; None when it does not."""
    ranked = sorted(((s, c) for c, s in scores.items() if s > 0), reverse=True)
    if not ranked:
        return None
    if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
        return None
    return ranked[0][1]


def _signal(scores: dict[str, float]) -> float:
    """Evidence that a message is feedback: wishes, bugs and praise; questions count against."""
    return (scores.get("feature_request", 0.0) + scores.get("bug", 0.0)
            + scores.get("praise", 0.0) - scores.get("question", 0.0))
