"""Lexicon sentiment in five languages."""

from __future__ import annotations

import pytest

from nlu.sentiment import sentiment


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("this is TERRIBLE service!!!", "en"),
        ("это ужас, верните деньги", "ru"),
        ("това е кошмар, бясна съм", "bg"),
        ("خدماتتون افتضاحه", "fa"),
        ("αίσχος, είστε απατεώνες", "el"),
    ],
)
def test_angry_messages_are_strongly_negative(text: str, language: str) -> None:
    assert sentiment(text, language) <= -0.6


@pytest.mark.parametrize(
    ("text", "language"),
    [("thanks, great job", "en"), ("спасибо, отлично", "ru"), ("ευχαριστώ πολύ", "el")],
)
def test_happy_messages_are_positive(text: str, language: str) -> None:
    assert sentiment(text, language) > 0.3


def test_neutral_and_negated() -> None:
    assert sentiment("where is my order", "en") == 0.0
    assert sentiment("καλησπέρα", "el") == 0.0
    assert sentiment("not bad", "en") > 0
    assert sentiment("не плохо") > 0


@pytest.mark.parametrize(
    ("text", "language"),
    [("tova e uzhas, beshen sam", "bg"), ("eto koshmar", "ru"), ("aisxos", "el")],
)
def test_transliterated_anger_is_negative(text: str, language: str) -> None:
    assert sentiment(text, language) <= -0.6


def test_latin_spellings_stay_out_of_english() -> None:
    assert sentiment("all of a sudden it works") > 0


def test_prefix_weights_are_remembered_for_words_of_chat_size_only() -> None:
    """Words matched against the prefix lexicon are remembered, but a huge "word" is not."""
    from nlu.sentiment import KEPT_WORD_CHARS, _lexicon

    lexicon = _lexicon("en")
    before = len(lexicon.by_prefix)
    assert sentiment("qwertyuiop" * 500, "en") == 0.0  # one 5,000-letter word
    assert len(lexicon.by_prefix) == before
    assert sentiment("zzqx " * 3, "en") == 0.0
    assert "zzqx" in lexicon.by_prefix and len("zzqx") <= KEPT_WORD_CHARS


@pytest.mark.parametrize(("text", "sign"), [
    ("вашият чай е страхотен", 1),  # the stem страхотн* misses the masculine form
    ("сервизът е отличен", 1),
    ("продуктът е добър", 1),
    ("отвратителен магазин", -1),
    ("куриерът беше бавен", -1),
])
def test_bulgarian_masculine_adjectives_count(text: str, sign: int) -> None:
    assert sentiment(text, "bg") * sign > 0
