"""Entity roles and groups from context, learned from the annotated examples.

Rasa's DIET tags roles ("from [Berlin]{"entity": "city", "role": "departure"}"); without a
sequence tagger, the word right before an entity is what tells the roles apart in practice
("from"/"to", "из"/"в"), so each (entity, previous word) seen in the annotations keeps the
role and group it was annotated with most often.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import replace

from nlu.types import Entity, Example

_WORD = re.compile(r"\w+")
Tag = tuple[str | None, str | None]


def _previous_word(text: str, start: int) -> str:
    """The last word before ``start``, lower-cased ('' at the start of the text)."""
    words = _WORD.findall(text[:start][-60:])
    return words[-1].casefold() if words else ""


class RoleTagger:
    """Adds the role and group the training annotations give an entity in this context."""

    def __init__(self, contexts: dict[tuple[str, str], Tag]) -> None:
        self.contexts = contexts
        self.entities = {name for name, _ in contexts}

    @classmethod
    def from_examples(cls, examples: Iterable[Example]) -> RoleTagger:
        """Learn (entity, previous word) -> (role, group) from annotated examples."""
        seen: dict[tuple[str, str], Counter[Tag]] = defaultdict(Counter)
        for example in examples:
            for entity in example.entities:
                if entity.role is None and entity.group is None:
                    continue
                key = (entity.entity, _previous_word(example.text, entity.start))
                seen[key][(entity.role, entity.group)] += 1
        return cls({key: counts.most_common(1)[0][0] for key, counts in seen.items()})

    def tag(self, text: str, entities: Iterable[Entity]) -> list[Entity]:
        """``entities`` with a role/group where the context was seen annotated with one."""
        tagged = []
        for entity in entities:
            found = (self.contexts.get((entity.entity, _previous_word(text, entity.start)))
                     if entity.entity in self.entities else None)
            tagged.append(replace(entity, role=found[0], group=found[1]) if found else entity)
        return tagged
