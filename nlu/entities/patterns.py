"""Entities defined by the training data: regexes and lookup tables named like an entity,
synonyms; and the same patterns as classification features."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from nlu.training_data import TrainingData
from nlu.types import Entity


@dataclass(frozen=True, slots=True)
class NamedPattern:
    """A compiled pattern and the entity it marks."""

    entity: str
    pattern: re.Pattern[str]
    extractor: str


def compile_patterns(data: TrainingData) -> list[NamedPattern]:
    """The regexes and lookup tables named like an entity, which extract it (Rasa's
    ``RegexEntityExtractor``); annotated values are not a lookup table, since a word
    annotated once ("[Bill](PERSON)") is not that entity everywhere ("credit card bill")."""
    names = data.entity_names()
    return _compile(data, lambda name: name in names)


def feature_patterns(data: TrainingData) -> list[NamedPattern]:
    """Every regex and lookup table, used as classification features (Rasa's
    ``RegexFeaturizer``): a match adds a token the intent classifier learns from."""
    return _compile(data, lambda name: True)


def _compile(data: TrainingData, keep: Callable[[str], bool]) -> list[NamedPattern]:
    """Regexes as written, then lookup tables as whole-word alternations."""
    compiled = [
        NamedPattern(p.name, re.compile("|".join(f"(?:{item})" for item in p.items)), "regex")
        for p in data.regexes
        if keep(p.name)
    ]
    compiled += [
        NamedPattern(p.name, _whole_words(set(p.items)), "lookup")
        for p in sorted(data.lookups, key=lambda p: p.name)
        if keep(p.name)
    ]
    return compiled


def _whole_words(items: set[str]) -> re.Pattern[str]:
    """Case-insensitive match of any item on word boundaries, longest alternative first."""
    ordered = sorted(items, key=len, reverse=True)
    body = "|".join(re.escape(item) for item in ordered)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def extract_patterns(text: str, patterns: list[NamedPattern]) -> list[Entity]:
    """Every match of every pattern, in pattern order (regexes first)."""
    return [
        Entity(named.entity, match.group(0), match.start(), match.end(), named.extractor)
        for named in patterns
        for match in named.pattern.finditer(text)
        if match.end() > match.start()
    ]


def apply_synonyms(entities: list[Entity], synonyms: dict[str, str]) -> list[Entity]:
    """Replace values that are known aliases by their canonical value (case-insensitive)."""
    folded = {alias.casefold(): value for alias, value in synonyms.items()}
    return [replace(e, value=folded.get(e.value.casefold(), e.value)) for e in entities]
