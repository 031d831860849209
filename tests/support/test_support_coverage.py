"""Issue 14's general out-of-scope signal: words the bot does not know at all, and
unsupported languages told by their function words and letters (no topic word lists)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.latin_language import guess_latin, unsupported_latin
from bot.support.decide import Verdict, decide_support
from bot.support.kb.check import load_knowledge_base
from bot.support.scope import Vocabulary, read
from tests.support.conftest import parse

KB = load_knowledge_base(None, "en")
VOCABULARY = Vocabulary.of(KB)


def verdict(text: str, intent: str, confidence: float,
            unknown_confidence: float | None = None) -> Verdict:
    kb = KB if unknown_confidence is None else replace(
        KB, policy=replace(KB.policy, unknown_confidence=unknown_confidence))
    decision = decide_support(text, parse(intent, confidence, text=text), kb, VOCABULARY)
    return decision.verdict


def test_unknown_words_are_the_ones_no_example_answer_or_core_intent_uses() -> None:
    reading = read("do you sell tea from Twinings in pyramid pouches", VOCABULARY)
    assert reading.shop_words >= 1
    assert {"twinings", "pyramid", "pouches"} <= set(reading.unknown)
    # Transliterated function words and greetings are the bot's own language.
    assert read("salam, kakvo stava", VOCABULARY).unknown == ("stava",)
    assert read("hello, thanks a lot", VOCABULARY).unknown == ()


@pytest.mark.parametrize("text", ["do you sell tea from Twinings in pyramid pouches",
                                  "у вас есть чай ахмад с бергамотом?",
                                  "продавате ли чай ахмад на пакетчета?"])
def test_as_many_unknown_words_as_shop_words_is_declined(text: str) -> None:
    assert verdict(text, "faq_tea_brewing", 0.4) is Verdict.DECLINE


def test_a_sure_nlu_or_a_switched_off_rule_keeps_the_answer() -> None:
    text = "do you sell tea from Twinings in pyramid pouches"
    assert verdict(text, "faq_tea_brewing", 0.9) is Verdict.ANSWER
    assert verdict(text, "faq_tea_brewing", 0.4, unknown_confidence=0.0) is not Verdict.DECLINE


@pytest.mark.parametrize("text", [
    "возврат или обмен?",                    # a title word counts twice
    "η τσαγιέρα ήρθε ραγισμένη στο κουτί",   # a broken thing is never another business
])
def test_named_topics_and_damage_are_not_declined(text: str) -> None:
    assert verdict(text, "faq_returns", 0.3) is not Verdict.DECLINE


def test_a_long_story_before_the_question_is_not_judged_by_its_unknown_words() -> None:
    story = ("my grandmother loved the oolong and the clay teapot I gave her for her birthday, "
             "she keeps telling all her neighbours and friends about it, so now I would like "
             "to order the same for my aunt: how much is shipping?")
    assert verdict(story, "faq_shipping_cost", 0.3) is not Verdict.DECLINE


def test_small_talk_with_several_unknown_words_is_declined() -> None:
    assert verdict("did liverpool win the match last night", "goodbye", 0.8) \
        is Verdict.DECLINE
    assert verdict("thanks a lot mate", "thanks", 0.9) is Verdict.SMALL_TALK


@pytest.mark.parametrize(("text", "code"), [
    ("combien de temps pour la livraison ?", "fr"),
    ("posso pagare con carta di credito?", "it"),
    ("quanto tempo demora o envio?", "pt"),
])
def test_unsupported_latin_languages_by_function_words(text: str, code: str) -> None:
    assert unsupported_latin(text) is not None
    assert verdict(text, "out_of_scope", 0.9) is Verdict.FOREIGN


@pytest.mark.parametrize("text", ["where is my order", "gde moy zakaz", "kude e porachkata",
                                  "sefaresh man kojast", "pou einai i paraggelia mou"])
def test_the_bots_own_languages_are_not_unsupported(text: str) -> None:
    assert unsupported_latin(text) is None
    assert guess_latin(text) is None or guess_latin(text).code != "it"  # type: ignore[union-attr]


def test_foreign_letters_with_one_english_looking_word_are_unsupported() -> None:
    # "do" is English and Polish; ł is not a letter of the bot's languages.
    assert verdict("czy wysyłacie herbatę do Łodzi?", "out_of_scope", 0.9) is Verdict.FOREIGN
    assert verdict("do you ship to Łódź?", "faq_shipping_countries", 0.9) is not Verdict.FOREIGN


@pytest.mark.parametrize("text", ["θα σας κάνω μήνυση", "I will take legal action",
                                  "подам иск в суд"])
def test_lawsuits_are_threats(text: str) -> None:
    assert verdict(text, "out_of_scope", 0.9) is Verdict.COMPLAINT
