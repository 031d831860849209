"""Entities defined by the training data: regexes, lookup tables, annotated values, synonyms."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.training_data import TrainingData
from nlu.types import Entity


@dataclass(frozen=True, slots=True)
class NamedPattern:
    """A compiled pattern and the entity it marks."""

    entity: str
    pattern: re.Pattern[str]
    extractor: str


def compile_patterns(data: TrainingData) -> list[NamedPattern]:
    """Regexes as written; lookup tables and annotated values as whole-word alternations."""
    compiled = [
        NamedPattern(p.name, re.compile("|".join(f"(?:{item})" for item in p.items)), "regex")
        for p in data.regexes
    ]
    tables: dict[str, set[str]] = {p.name: set(p.items) for p in data.lookups}
    # Values annotated in examples ("[visa](card_type)") work like a lookup table, which
    # gives a useful recall without training a sequence tagger.
    for example in data.examples:
        for entity in example.entities:
            tables.setdefault(entity.entity, set()).add(example.text[entity.start : entity.end])
    for name, items in sorted(tables.items()):
        compiled.append(NamedPattern(name, _whole_words(items), "lookup"))
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
    return [
        Entity(e.entity, folded.get(e.value.casefold(), e.value), e.start, e.end, e.extractor)
        for e in entities
    ]
