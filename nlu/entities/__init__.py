"""Entity extraction: training-data patterns first, then the built-in extractors."""

from __future__ import annotations

from nlu.entities.builtin import drop_overlaps, extract_builtin
from nlu.entities.patterns import NamedPattern, apply_synonyms, compile_patterns, extract_patterns
from nlu.training_data import TrainingData
from nlu.types import Entity


class EntityExtractor:
    """Finds entities; a pattern from the bot's own data wins over a built-in on overlap."""

    def __init__(self, patterns: list[NamedPattern], synonyms: dict[str, str]) -> None:
        self.patterns = patterns
        self.synonyms = dict(synonyms)

    @classmethod
    def from_data(cls, data: TrainingData) -> EntityExtractor:
        """Compile the regexes, lookup tables and synonyms of ``data``."""
        return cls(compile_patterns(data), data.synonyms)

    def extract(self, text: str, language: str | None = None) -> tuple[Entity, ...]:
        """Entities in ``text``, ordered by position, without overlaps."""
        found = [*extract_patterns(text, self.patterns), *extract_builtin(text, language)]
        return tuple(apply_synonyms(drop_overlaps(found), self.synonyms))


__all__ = ["EntityExtractor"]
