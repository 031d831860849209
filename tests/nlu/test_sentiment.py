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
