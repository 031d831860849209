"""Entries whose example questions overlap so much that the bot cannot tell them apart.

Not an error (the knowledge base still loads): a warning for ``sarafan kb check``. Two
examples are twins when their content words (function words, places and brands set aside,
crude stems) overlap by ``TWIN_SIMILARITY`` or more; two entries overlap when at least
``OVERLAP_SHARE`` of one's examples in a language have a twin in the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations

from bot.support.kb.model import Entry

TWIN_SIMILARITY = 0.75
"""Jaccard similarity of two examples' content-word stems that makes them twins."""
OVERLAP_SHARE = 0.3
"""Share of an entry's examples (in one language) with a twin elsewhere that earns a warning."""


def overlap_warnings(entries: Iterable[Entry]) -> list[str]:
    """One line per pair of entries the bot would confuse, with the language and an example."""
    from bot.support.scope import content_stems  # the same words the support judgement reads

    unique = {entry.id: entry for entry in entries}
    warnings = []
    for first, second in combinations(unique.values(), 2):
        for language in sorted(set(first.questions) & set(second.questions)):
            mine = [(q, content_stems(q)) for q in first.questions[language]]
            theirs = [content_stems(q) for q in second.questions[language]]
            twins = [q for q, words in mine if words and any(
                _similar(words, other) >= TWIN_SIMILARITY for other in theirs)]
            if mine and len(twins) / len(mine) >= OVERLAP_SHARE:
                warnings.append(
                    f"{first.source}: entries {first.id!r} and {second.id!r} overlap in "
                    f"{language!r}: {len(twins)} of {len(mine)} examples have a near twin in "
                    f"{second.id!r} (e.g. {twins[0]!r}); the bot cannot tell them apart — "
                    "make the examples more specific or merge the entries")
    return warnings


def _similar(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0
