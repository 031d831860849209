"""Themes across languages: concept ids from per-language terms, then grouping.

The same wish in Russian and Greek shares no characters, so grouping works on
language-independent *concept ids*: a brand's catalog names its products and features per
language, and ``resources/themes/concepts.yml`` names what people say about them ("too
expensive", "leaks", "decaf"). A message becomes the set of concepts it mentions; messages with
similar concept sets form a theme whatever their language. Messages that mention no known
concept are grouped with character n-grams within their own language.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
import yaml

from nlu import translit
from nlu.ngrams import TfidfTable, csr_rows
from nlu.text import CACHED_CHARS, normalize, words

Terms = Mapping[str, Mapping[str, Iterable[str]]]
"""concept id -> language -> terms (``word``, ``prefix*``, ``two words``)."""
MIN_PREFIX = 3
"""Shorter prefixes match too many unrelated words."""
CONCEPT_JOIN = 0.8
"""Two concept sets this similar (cosine) are one theme; chosen on bench/feedback/dev.yml."""
TEXT_JOIN = 0.45
"""Char n-gram cosine for messages without concepts (same language only); chosen on dev.yml."""
TOP_CONCEPTS = 6
FOUND_KEPT = 1024
"""Texts whose concepts a matcher remembers (a burst's worth)."""


@dataclass(frozen=True, slots=True)
class _Term:
    concept: str
    words: tuple[str, ...]
    prefix: bool
    """The last word is a prefix (the term ended in ``*``)."""

    def matches(self, tokens: Sequence[str], at: int) -> bool:
        """Whether the term starts at ``tokens[at]``."""
        if at + len(self.words) > len(tokens):
            return False
        *head, last = self.words
        if any(tokens[at + i] != word for i, word in enumerate(head)):
            return False
        token = tokens[at + len(head)]
        return token.startswith(last) if self.prefix else token == last


@dataclass
class ConceptMatcher:
    """Finds concept ids in text; longer and exact terms win over shorter and prefix ones."""

    by_first: dict[str, list[_Term]] = field(default_factory=dict)
    prefixes: dict[str, list[_Term]] = field(default_factory=dict)
    # A turn asks about the same text twice (the theme hint before the turn, feedback
    # detection in it); what was found is kept for recent texts. Cleared when full: bounded.
    _found: dict[str, tuple[tuple[str, int], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def build(cls, *sources: Terms) -> ConceptMatcher:
        """A matcher for every term of every source (later sources add to earlier ones)."""
        matcher = cls()
        for terms in sources:
            for concept, per_language in terms.items():
                for language, entries in per_language.items():
                    for entry in entries:
                        for spelling in _spellings(str(entry), language):
                            matcher._add(concept, spelling)
        for bucket in (*matcher.by_first.values(), *matcher.prefixes.values()):
            bucket.sort(key=lambda term: (-len(term.words), term.prefix,
                                          -len(term.words[-1])))
        return matcher

    def _add(self, concept: str, entry: str) -> None:
        self._found.clear()
        prefix = entry.endswith("*")
        tokens = tuple(words(entry.rstrip("*")))
        if not tokens or (prefix and len(tokens) == 1 and len(tokens[0]) < MIN_PREFIX):
            return
        term = _Term(concept, tokens, prefix)
        if prefix and len(tokens) == 1:
            self.prefixes.setdefault(tokens[0][:MIN_PREFIX], []).append(term)
        else:
            self.by_first.setdefault(tokens[0], []).append(term)
            if prefix:
                self.prefixes.setdefault(tokens[0][:MIN_PREFIX], []).append(term)

    def find(self, text: str) -> Counter[str]:
        """How often each concept is mentioned in ``text``."""
        if len(text) > CACHED_CHARS:
            return self._count(text)
        if (known := self._found.get(text)) is None:
            if len(self._found) >= FOUND_KEPT:
                self._found.clear()
            known = self._found[text] = tuple(self._count(text).items())
        return Counter(dict(known))

    def _count(self, text: str) -> Counter[str]:
        tokens = words(text)
        found: Counter[str] = Counter()
        at = 0
        while at < len(tokens):
            term = self._best(tokens, at)
            if term is None:
                at += 1
                continue
            found[term.concept] += 1
            at += len(term.words)
        return found

    def _best(self, tokens: Sequence[str], at: int) -> _Term | None:
        exact = (t for t in self.by_first.get(tokens[at], ()) if t.matches(tokens, at))
        candidates = [*exact, *(t for t in self.prefixes.get(tokens[at][:MIN_PREFIX], ())
                                if t.matches(tokens, at))]
        if not candidates:
            return None
        return min(candidates, key=lambda t: (-len(t.words), t.prefix, -len(t.words[-1])))


def _spellings(entry: str, language: str) -> list[str]:
    """The entry, normalised, plus its Latin spellings for Russian, Bulgarian and Greek."""
    base = normalize(entry)
    if language not in translit.LANGUAGES:
        return [base]
    return list(dict.fromkeys([base, *translit.transliterations(base, language)]))


@cache
def builtin_terms() -> dict[str, dict[str, list[str]]]:
    """The shipped feedback concepts (price, speed, breakage …) as ``Terms``."""
    text = (resources.files("nlu") / "resources" / "themes" / "concepts.yml").read_text("utf-8")
    raw: dict[str, dict[str, object]] = yaml.safe_load(text)
    return {concept: {lang: [str(t) for t in terms] for lang, terms in entry.items()
                      if lang != "label" and isinstance(terms, list)}
            for concept, entry in raw.items()}


@cache
def builtin_labels() -> dict[str, str]:
    """English labels of the shipped concepts, for theme names."""
    text = (resources.files("nlu") / "resources" / "themes" / "concepts.yml").read_text("utf-8")
    raw: dict[str, dict[str, object]] = yaml.safe_load(text)
    return {concept: str(entry.get("label", concept)) for concept, entry in raw.items()}


def vector(concepts: Mapping[str, float]) -> dict[str, float]:
    """``concepts`` scaled to unit length (a mention counts once: repeats add no meaning)."""
    norm = math.sqrt(sum(1.0 for weight in concepts.values() if weight > 0))
    return {c: 1.0 / norm for c, weight in concepts.items() if weight > 0} if norm else {}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine of two sparse vectors given as dicts."""
    if len(a) > len(b):
        a, b = b, a
    dot = sum(weight * b.get(key, 0.0) for key, weight in a.items())
    norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
    return dot / norm if norm else 0.0


def centroid(vectors: Iterable[Mapping[str, float]], top: int = TOP_CONCEPTS) -> dict[str, float]:
    """A theme's signature: the mean of its members' vectors, its strongest concepts kept."""
    total: defaultdict[str, float] = defaultdict(float)
    count = 0
    for member in vectors:
        count += 1
        for key, weight in member.items():
            total[key] += weight
    best = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return {key: round(weight / count, 4) for key, weight in best} if count else {}


def nearest(concepts: Mapping[str, float], themes: Mapping[int, Mapping[str, float]],
            threshold: float = CONCEPT_JOIN) -> int | None:
    """The theme whose signature is most like ``concepts``, if at least ``threshold``."""
    item = vector(concepts)
    if not item:
        return None
    scored = ((cosine(item, signature), -theme) for theme, signature in themes.items())
    best = max(scored, default=(0.0, 0))
    return -best[1] if best[0] >= threshold else None


@dataclass(frozen=True, slots=True)
class Item:
    """One message to group: its text, language and the concepts found in it."""

    text: str
    language: str
    concepts: Mapping[str, float]


def group(items: Sequence[Item], *, concept_join: float = CONCEPT_JOIN,
          text_join: float = TEXT_JOIN) -> list[int]:
    """A theme label (0, 1, …) per item.

    Concept sets are clustered leader-first: the most frequent set founds a theme and each
    rarer set joins the most similar existing theme when the cosine reaches ``concept_join``.
    Items without concepts join the theme of their most similar same-language neighbour
    (char n-grams) or found one. Deterministic; about linear in the number of distinct sets.
    """
    labels = [-1] * len(items)
    signatures = [frozenset(vector(item.concepts)) for item in items]
    by_signature: defaultdict[frozenset[str], list[int]] = defaultdict(list)
    for index, signature in enumerate(signatures):
        if signature:
            by_signature[signature].append(index)
    leaders: list[dict[str, float]] = []
    ordered = sorted(by_signature.items(), key=lambda kv: (-len(kv[1]), sorted(kv[0])))
    for signature, members in ordered:
        vec = {c: 1.0 for c in signature}
        scores = [cosine(vec, leader) for leader in leaders]
        best = int(np.argmax(scores)) if scores else -1
        label = best if best >= 0 and scores[best] >= concept_join else len(leaders)
        if label == len(leaders):
            leaders.append(vec)
        for index in members:
            labels[index] = label
    _group_by_text(items, labels, start=len(leaders), join=text_join)
    return labels


def _group_by_text(items: Sequence[Item], labels: list[int], *, start: int,
                   join: float) -> None:
    """Give every unlabelled item the label of its closest same-language neighbour, or a new one."""
    by_language: defaultdict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        by_language[item.language].append(index)
    next_label = start
    for indexes in by_language.values():
        if all(labels[i] >= 0 for i in indexes):
            continue
        texts = [normalize(items[i].text) or "∅" for i in indexes]
        lowered = [text.lower() for text in texts]
        matrix = csr_rows([TfidfTable.fit("char_wb", (3, 4), lowered)], lowered,
                          dtype=np.float64)
        # Only neighbours already placed (with concepts, or earlier) can be joined.
        placed = np.array([labels[i] >= 0 for i in indexes])
        for row, index in enumerate(indexes):
            if placed[row]:
                continue
            sims = (matrix @ matrix[row].T).toarray().ravel()
            sims[~placed] = 0.0
            best = int(np.argmax(sims))
            if sims[best] >= join:
                labels[index] = labels[indexes[best]]
            else:
                labels[index] = next_label
                next_label += 1
            placed[row] = True
