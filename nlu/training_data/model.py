"""The in-memory training set: examples plus synonyms, regexes and lookup tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from nlu.types import Example


@dataclass(frozen=True, slots=True)
class Pattern:
    """A named regular expression or lookup table that marks an entity."""

    name: str
    items: tuple[str, ...]


@dataclass(slots=True)
class TrainingData:
    """Examples, synonyms (alias -> canonical value), regexes and lookup tables."""

    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    regexes: list[Pattern] = field(default_factory=list)
    lookups: list[Pattern] = field(default_factory=list)
    declared_entities: set[str] = field(default_factory=set)
    """Entity names a Rasa ``domain.yml`` lists; annotated names count as well."""
    load_warnings: list[str] = field(default_factory=list)
    """Things the reader accepted but the author should know (a Rasa 2 ``version``)."""

    @classmethod
    def from_examples(cls, examples: Iterable[Example]) -> TrainingData:
        """Build a training set that only has examples."""
        return cls(examples=list(examples))

    def merge(self, other: TrainingData) -> TrainingData:
        """Return a new set with ``other`` added; ``other`` wins on conflicting synonyms."""
        return TrainingData(
            examples=[*self.examples, *other.examples],
            synonyms={**self.synonyms, **other.synonyms},
            regexes=_merge_patterns(self.regexes, other.regexes),
            lookups=_merge_patterns(self.lookups, other.lookups),
            declared_entities=self.declared_entities | other.declared_entities,
            load_warnings=[*self.load_warnings, *other.load_warnings],
        )

    @property
    def intents(self) -> list[str]:
        """Sorted names of the intents that have examples."""
        return sorted({ex.intent for ex in self.examples})

    def intent_counts(self) -> Counter[str]:
        """How many examples each intent has."""
        return Counter(ex.intent for ex in self.examples)

    def entity_names(self) -> set[str]:
        """Entities this data defines: declared in a domain or annotated in an example.

        As in Rasa, a regex or lookup table extracts only when named like one of these;
        otherwise it is a classification feature.
        """
        annotated = {entity.entity for ex in self.examples for entity in ex.entities}
        return self.declared_entities | annotated

    def languages(self) -> list[str]:
        """Sorted language codes the examples are tagged with."""
        return sorted({ex.language for ex in self.examples if ex.language})


def _merge_patterns(first: list[Pattern], second: list[Pattern]) -> list[Pattern]:
    """Union patterns by name so a brand can extend a core lookup table."""
    merged: dict[str, list[str]] = {}
    for pattern in [*first, *second]:
        items = merged.setdefault(pattern.name, [])
        items.extend(item for item in pattern.items if item not in items)
    return [Pattern(name, tuple(items)) for name, items in merged.items()]
