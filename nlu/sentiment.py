"""Lexicon-based sentiment for en, ru, bg, fa and el, scored from -1 (angry) to 1 (happy)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from nlu import translit
from nlu.text import normalize, words

NEGATION_WINDOW = 2
"""A negator this many words before a sentiment word flips it ("not good", "не плохо")."""
_STRONG = 2.0
_WEIGHTS = {"positive": 1.0, "strong_positive": _STRONG, "negative": -1.0}
_WEIGHTS["strong_negative"] = -_STRONG
POSITIVE, NEGATIVE = 0.3, -0.3
"""Scores from these out read as positive / negative; between them, neutral."""
PREFIX_WORDS_KEPT = 20_000
"""Words whose prefix-lexicon weight a lexicon remembers (at most ~1 MB of words)."""
KEPT_WORD_CHARS = 40


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """Exact words and prefixes (from entries ending in ``*``) with their weights."""

    exact: dict[str, float]
    prefixes: tuple[tuple[str, float], ...]
    negators: frozenset[str]
    emoji: dict[str, float]
    # A word that is not in ``exact`` is tried against every prefix (hundreds); what that gave
    # is kept, since customers reuse their words. Cleared when full: bounded.
    by_prefix: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    def weight(self, word: str) -> float:
        """The word's weight, or 0 when it carries no sentiment."""
        if word in self.exact:
            return self.exact[word]
        if (known := self.by_prefix.get(word)) is not None:
            return known
        found = next((w for prefix, w in self.prefixes if word.startswith(prefix)), 0.0)
        if len(word) <= KEPT_WORD_CHARS:  # a 10,000-letter "word" is not kept
            if len(self.by_prefix) >= PREFIX_WORDS_KEPT:
                self.by_prefix.clear()
            self.by_prefix[word] = found
        return found


def polarity(score: float) -> str:
    """negative / neutral / positive for a sentiment score."""
    if score <= NEGATIVE:
        return "negative"
    return "positive" if score >= POSITIVE else "neutral"


def sentiment(text: str, language: str | None = None) -> float:
    """Sentiment of ``text``; uses every language's lexicon when ``language`` is unknown."""
    lexicon = _lexicon(language)
    tokens = words(text)
    total = sum(_scored(tokens, i, lexicon) for i in range(len(tokens)))
    total += sum(weight for mark, weight in lexicon.emoji.items() if mark in text)
    if total < 0 and _shouted(text):
        # Capitals and "!!!" make a complaint angrier but do not make a neutral text negative.
        total *= 1.5
    # Squash to (-1, 1): one strong word gives ~ -0.7, two give ~ -0.9.
    return round(math.tanh(total / 2.3), 3)


def _scored(tokens: list[str], index: int, lexicon: _Lexicon) -> float:
    """The weight of one token, flipped and halved if a negator precedes it closely."""
    weight = lexicon.weight(tokens[index])
    window = tokens[max(0, index - NEGATION_WINDOW) : index]
    if weight and any(token in lexicon.negators for token in window):
        return -weight / 2
    return weight


def _shouted(text: str) -> bool:
    """Mostly capital letters, or repeated exclamation marks."""
    letters = [ch for ch in text if ch.isalpha()]
    upper = sum(ch.isupper() for ch in letters)
    return "!!" in text or (len(letters) >= 6 and upper / len(letters) > 0.7)


@cache
def _lexicon(language: str | None) -> _Lexicon:
    """The lexicon of one language, or of all of them merged."""
    raw = yaml.safe_load(
        (resources.files("nlu") / "resources" / "sentiment.yml").read_text("utf-8")
    )
    every: list[str] = [code for code in raw if code != "emoji"]
    codes = [language] if language in every else every
    exact: dict[str, float] = {}
    prefixes: list[tuple[str, float]] = []
    negators: set[str] = set()
    # Latin spellings ("uzhas", "aisxos") only for a known language: merged into the
    # all-language lexicon they would collide with English words.
    latin = language in translit.LANGUAGES
    for code in codes:
        section: dict[str, list[str]] = raw[code]
        negators.update(normalize(w) for w in _spellings(section.get("negators", []), code, latin))
        for key, weight in _WEIGHTS.items():
            _add(_spellings(section.get(key, []), code, latin), weight, exact, prefixes)
    prefixes.sort(key=lambda item: len(item[0]), reverse=True)
    emoji = {mark: 1.0 for mark in raw["emoji"]["positive"]}
    emoji.update({mark: -_STRONG for mark in raw["emoji"]["negative"]})
    return _Lexicon(exact, tuple(prefixes), frozenset(negators), emoji)


def _spellings(entries: list[str], code: str, latin: bool) -> list[str]:
    """The entries, plus their Latin transliterations when asked for."""
    if not latin:
        return entries
    extra = [spelled for entry in entries for spelled in translit.transliterations(entry, code)]
    return [*entries, *extra]


def _add(
    entries: list[str], weight: float, exact: dict[str, float], prefixes: list[tuple[str, float]]
) -> None:
    """File entries into exact words or prefixes."""
    for entry in entries:
        word = normalize(entry)
        if word.endswith("*"):
            prefixes.append((word[:-1], weight))
        else:
            exact[word] = weight
