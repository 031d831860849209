"""Entity extraction: training-data patterns first, then the built-in extractors."""

from __future__ import annotations

from nlu.entities.builtin import drop_overlaps, extract_builtin
from nlu.entities.patterns import (
    NamedPattern,
    apply_synonyms,
    compile_patterns,
    extract_patterns,
    feature_patterns,
)
from nlu.entities.roles import RoleTagger
from nlu.training_data import TrainingData
from nlu.types import Entity


class EntityExtractor:
    """Finds entities; a pattern from the bot's own data wins over a built-in on overlap."""

    def __init__(
        self,
        patterns: list[NamedPattern],
        synonyms: dict[str, str],
        features: list[NamedPattern] | None = None,
        roles: RoleTagger | None = None,
    ) -> None:
        self.patterns = patterns
        self.synonyms = dict(synonyms)
        self.features = features or []
        self.roles = roles or RoleTagger({})

    @classmethod
    def from_data(cls, data: TrainingData) -> EntityExtractor:
        """Compile the regexes, lookup tables and synonyms of ``data``."""
        return cls(compile_patterns(data), data.synonyms, feature_patterns(data),
                   RoleTagger.from_examples(data.examples))

    def with_features(self, text: str) -> str:
        """``text`` plus one token per matching regex/lookup, for the intent classifier."""
        if not self.features:
            return text
        tokens = [f"zzpattern{_token(named.entity)}" for named in self.features
                  if named.pattern.search(text)]
        return " ".join([text, *tokens]) if tokens else text

    def extract(self, text: str, language: str | None = None) -> tuple[Entity, ...]:
        """Entities in ``text``, ordered by position, without overlaps."""
        found = [*extract_patterns(text, self.patterns), *extract_builtin(text, language)]
        kept = apply_synonyms(drop_overlaps(found), self.synonyms)
        return tuple(self.roles.tag(text, kept))


def _token(name: str) -> str:
    """A pattern name as letters and digits only, so it stays one word-level token."""
    return "".join(ch for ch in name if ch.isalnum())


__all__ = ["EntityExtractor"]
