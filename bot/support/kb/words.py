"""The brand's own words for support's judgement, from a content file's ``support:`` block.

Support sets aside places and brands (naming one never decides an answer) and declines other
businesses' topics. Generic lists (countries, capitals, weather, elections…) live in
``bot/support/scope.py``; what depends on the shop lives in its content: the city of its tea
room (mentioned in its own examples, so it would pull "weather in Sofia" to the contact
hours), brands it does not sell, goods it does not sell (shoes are off topic for a tea shop,
not for a shoe shop)::

    support:
      names: [Sofia, София, Σόφια, صوفیه, Nike, Adidas]
      off_topic:
        en: [shoes, sneakers, laptop]
        ru: [кроссовки, ноутбук]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import yaml

from bot.config import LANGUAGES
from bot.support.kb.model import BrandWords, Entry
from nlu.text import words

SUPPORT_KEYS = {
    "names": "places and brands: naming one never decides an answer",
    "off_topic": "words of topics and goods that are not this shop's business",
}

Report = Callable[[int, str], None]
"""Records a problem at a line of the file being read."""


def read_support(node: yaml.Node, report: Report) -> dict[str, set[str]]:
    """The ``support:`` block as normalised words per key; problems go to ``report``."""
    found: dict[str, set[str]] = {key: set() for key in SUPPORT_KEYS}
    if not isinstance(node, yaml.MappingNode):
        report(_line(node), "'support' must be a mapping (names, off_topic)")
        return found
    for key_node, value in node.value:
        key = str(key_node.value)
        if key not in SUPPORT_KEYS:
            report(_line(key_node), f"unknown support key {key!r} (expected one of "
                                    f"{', '.join(sorted(SUPPORT_KEYS))})")
            continue
        for item in _items(value, f"support.{key}", report):
            found[key].update(words(item))
    return found


def brand_words(found: dict[str, set[str]]) -> BrandWords:
    """The words support reads, from what ``read_support`` collected over all files."""
    return BrandWords(frozenset(found.get("names", ())), frozenset(found.get("off_topic", ())))


def _items(node: yaml.Node, what: str, report: Report) -> list[str]:
    """A list of words, or a mapping of language to a list of words."""
    if isinstance(node, yaml.MappingNode):
        items = []
        for lang, value in node.value:
            if str(lang.value) not in LANGUAGES:
                report(_line(lang), f"{what} has unknown language {lang.value!r}")
            items += _items(value, f"{what}.{lang.value}", report)
        return items
    if not isinstance(node, yaml.SequenceNode):
        report(_line(node), f"{what} must be a list of words (or one list per language)")
        return []
    items = []
    for item in node.value:
        text = str(item.value).strip() if isinstance(item, yaml.ScalarNode) else ""
        if not text or not words(text) or any(ch.isdigit() for ch in text):
            report(_line(item), f"{what}: {text or 'an item'!r} is not a word or name")
            continue
        items.append(text)
    return items


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def off_topic_warnings(entries: Iterable[Entry], brand: BrandWords) -> list[str]:
    """Off-topic words the brand's own examples use: such questions would be declined."""
    warnings = []
    for entry in entries:
        used = sorted({word for questions in entry.questions.values() for question in questions
                       for word in words(question) if word in brand.off_topic})
        if used:
            warnings.append(f"{entry.source}: entry {entry.id!r} uses off-topic word(s) "
                            f"{', '.join(used)} (support: off_topic) in its examples; "
                            "customers asking that way would be declined")
    return warnings
