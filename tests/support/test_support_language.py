"""Reply language for transliterated and very short messages (bot.latin_language, turns)."""

from __future__ import annotations

import pytest

from bot.engine.turns import _language
from bot.latin_language import guess_latin, refine, settle
from bot.messages import Inbound
from bot.storage.models import Contact
from nlu.langid import choose_language
from nlu.types import LanguageGuess


@pytest.mark.parametrize(("text", "code"), [
    ("salam sefaresh man kojast", "fa"),
    ("pool bargasht key mirize be hesabam", "fa"),
    ("dige hichvaght azatun kharid nemikonam", "fa"),
    ("mikham ba ye adam harf bezanam", "fa"),
    ("stelnete stin kypro?", "el"),
    ("pou einai i paraggelia mou", "el"),
    ("kude e porachkata mi", "bg"),
    ("koga shte mi varnete parite", "bg"),
    ("gde moy zakaz", "ru"),
    ("kogda vernut dengi za vozvrat", "ru"),
    ("where is my order, it has been a week", "en"),
])
def test_function_words_name_the_language_of_latin_text(text: str, code: str) -> None:
    guess = guess_latin(text)
    assert guess is not None and guess.code == code


@pytest.mark.parametrize("text", ["ok", "Berlin", "paypal", "где мой заказ", "سفارشم کجاست"])
def test_unclear_or_non_latin_text_leaves_the_identifier_alone(text: str) -> None:
    assert guess_latin(text) is None
    guess = LanguageGuess("en", 0.9)
    assert refine(guess, text) is guess


def reply_language(text: str, stored: str | None, source: str | None = None) -> str:
    contact = Contact(language=stored, language_source=source or ("hint" if stored else None))
    message = Inbound("webchat", "1", "u", "u", text=text, language_hint=stored)
    guess = choose_language(text, stored)
    from nlu.types import IntentScore, Parse  # a parse with just the language guess

    parse = Parse(text, guess, IntentScore("out_of_scope", 1.0))
    return _language(contact, message, parse, "en")


@pytest.mark.parametrize(("text", "stored", "expected"), [
    ("salam sefaresh man kojast", None, "fa"),  # Finglish, a new customer
    ("salam sefaresh man kojast", "fa", "fa"),  # the identifier says bg: kept Persian
    ("be alman ham mifrestid?", "fa", "fa"),
    ("stelnete stin kypro?", None, "el"),
    ("prashtate li v gartsia?", "bg", "bg"),
    ("ok", "ru", "ru"),  # very short: the stored language wins
    ("доставка?", "ru", "ru"),  # one Cyrillic word could be ru or bg
    ("πληρωμή", "el", "el"),
    ("12", "fa", "fa"),
    ("🙂", "bg", "bg"),
])
def test_reply_language(text: str, stored: str | None, expected: str) -> None:
    assert reply_language(text, stored) == expected


def test_a_chosen_language_is_never_overruled() -> None:
    assert reply_language("where is my order, it has been a week", "fa", "choice") == "fa"


@pytest.mark.parametrize(("text", "stored", "expected"), [
    ("в казахстан доставляете?", "ru", "ru"),
    ("пращате ли до", "bg", "bg"),
])
def test_a_short_message_does_not_move_a_contact_between_russian_and_bulgarian(
        text: str, stored: str, expected: str) -> None:
    other = "bg" if stored == "ru" else "ru"
    assert settle(LanguageGuess(other, 0.99), text, stored).code == expected
    long = text + " и ещё один вопрос про заказ сегодня"
    assert settle(LanguageGuess(other, 0.99), long, stored).code == other


@pytest.mark.parametrize(("text", "guessed", "code"), [
    ("delete my data", "bg", "en"),  # the identifier said transliterated Bulgarian, 0.9994
    ("dostavka?", "en", "ru"),
    ("apostoli?", "en", "el"),
    ("darbare ersal", "en", "fa"),
    # One short word of another language in a longer message is a coincidence, not evidence:
    ("posa lepta afinw to mauro tsai?", "el", "el"),
    ("poluchih greshen chai, porachah zelen a doide cheren", "bg", "bg"),
])
def test_the_only_frequent_words_in_a_short_latin_message_name_its_language(
        text: str, guessed: str, code: str) -> None:
    assert refine(LanguageGuess(guessed, 0.99), text).code == code
