"""nlu.themes: concepts across languages, grouping, nearest theme."""

from __future__ import annotations

from bot.feedback.catalog import load_catalog
from nlu.themes import ConceptMatcher, Item, centroid, group, nearest, vector


def _items(texts: list[tuple[str, str]]) -> list[Item]:
    matcher = load_catalog().matcher
    return [Item(text, lang, matcher.find(text)) for lang, text in texts]


def test_same_wish_in_five_languages_is_one_theme() -> None:
    wish = _items([("ru", "матча слишком дорогая, сделайте дешевле"),
                   ("el", "το matcha είναι πολύ ακριβό"),
                   ("fa", "ماچا خیلی گرونه"),
                   ("bg", "матчата е скъпа"),
                   ("en", "matcha is too expensive")])
    other = _items([("ru", "самовар течёт"), ("el", "το σαμοβάρι στάζει")])
    labels = group(wish + other)
    assert len(set(labels[:5])) == 1
    assert labels[5] == labels[6] != labels[0]


def test_messages_without_concepts_group_within_their_language() -> None:
    items = _items([("en", "add a chai latte powder"), ("en", "chai latte powder please"),
                    ("en", "zzz qqq")])
    labels = group(items)
    assert labels[0] == labels[1] != labels[2]


def test_prefixes_phrases_and_latin_spellings() -> None:
    matcher = ConceptMatcher.build({"c": {"ru": ["подписк*"], "en": ["tea box"]}})
    assert matcher.find("хочу подписку") == {"c": 1}
    assert matcher.find("sdelayte podpisku") == {"c": 1}
    assert matcher.find("a tea box") == {"c": 1} and matcher.find("tea") == {}


def test_nearest_joins_only_similar_themes() -> None:
    themes = {1: vector({"p:matcha": 1, "price_high": 1}), 2: vector({"p:samovar": 1})}
    assert nearest({"p:matcha": 2, "price_high": 1}, themes) == 1
    assert nearest({"p:sencha": 1}, themes) is None
    assert nearest({}, themes) is None
    assert centroid([{"a": 1.0}, {"a": 1.0, "b": 1.0}]) == {"a": 1.0, "b": 0.5}


def test_empty_input() -> None:
    assert group([]) == []
