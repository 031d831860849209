"""Language identification on short messages and the stored-language rule."""

from __future__ import annotations

import pytest

from bench.nlu.langid_eval import langid_accuracy
from nlu.langid import UNDETERMINED, choose_language, identify


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("where is my order??", "en"),
        ("καλησπερα, που ειναι η παραγγελια", "el"),
        ("почему так долго нет ответа", "ru"),
        ("защо толкова дълго няма отговор", "bg"),
        ("سفارش من کجاست", "fa"),
        ("أين طلبي من فضلك", "ar"),
        ("спасибо", "ru"),
        ("благодаря", "bg"),
    ],
)
def test_identifies_short_messages(text: str, code: str) -> None:
    assert identify(text).code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("privet, gde moy zakaz?", "ru"),
        ("kude e porachkata mi", "bg"),
        ("pou einai i paraggelia mou", "el"),
        ("where is my order", "en"),
        ("hahaha ok", "en"),
    ],
)
def test_transliterated_messages(text: str, code: str) -> None:
    assert identify(text).code == code


def test_no_letters_is_undetermined() -> None:
    assert identify("👍 123") == identify("!!!")
    assert identify("👍").code == UNDETERMINED


def test_stored_language_wins_on_two_words() -> None:
    # "да, давайте" is valid Russian and Bulgarian; the customer's language decides.
    assert choose_language("да, давайте", "bg").code == "bg"
    assert choose_language("hello there", "ru").code == "ru"


def test_a_short_message_in_a_script_the_stored_language_never_uses_is_that_script() -> None:
    assert choose_language("πώς πληρώνω", "ru").code == "el"
    assert choose_language("سفارشم کجاست", "ru").code == "fa"
    assert choose_language("где заказ", "el").code in ("ru", "bg")
    assert choose_language("ok thanks", "fa").code == "fa"  # Latin: the stored one still wins
    assert choose_language("merci", "el").code == "el"


def test_guess_wins_on_longer_messages() -> None:
    assert choose_language("where is my order, it is late", "ru").code == "en"


def test_short_message_test_set_accuracy() -> None:
    results = langid_accuracy()
    correct = sum(c for c, _ in results.values())
    total = sum(n for _, n in results.values())
    assert {"en", "ru", "bg", "fa", "el"} <= set(results)
    assert correct / total >= 0.97
