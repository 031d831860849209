"""Support judgement with the real demo model: bad input, anger, scope, two questions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.config import Settings
from bot.nlu_setup import local_model
from bot.support.anger import Signal, read_anger
from bot.support.decide import Decision, Verdict, decide_support, urgent
from bot.support.kb.check import load_knowledge_base
from bot.support.kb.model import KnowledgeBase
from bot.support.scope import Vocabulary, read
from nlu.local import LocalNlu
from tests.support.conftest import parse

KB = load_knowledge_base(None, "en")
VOCABULARY = Vocabulary.of(KB)


@pytest.fixture(scope="module")
def nlu(model_dir: Path) -> LocalNlu:
    """The demo's trained model (one training per test session)."""
    settings = Settings(_env_file=None, nlu={"model_dir": model_dir})  # type: ignore[call-arg]
    return local_model(settings)


def judge(nlu: LocalNlu, text: str, kb: KnowledgeBase = KB) -> Decision:
    return decide_support(text, nlu.parse_sync(text), kb, VOCABULARY)


@pytest.mark.parametrize("text", ["Berlin", "Σόφια", "Тегеран", "پاریس"])
def test_a_bare_place_name_asks_what_about_delivery_there(nlu: LocalNlu, text: str) -> None:
    decision = judge(nlu, text)
    assert decision.verdict is Verdict.CLARIFY and decision.topic == "place"
    assert {e.id for e in decision.entries} == {"shipping_countries", "shipping_time",
                                                "shipping_cost"}


@pytest.mark.parametrize("text", ["12", "48213", "#48213", "SMV-48213", "№ 55120", "۵۵۱۲۰"])
def test_a_bare_number_or_order_id_asks_about_the_order(nlu: LocalNlu, text: str) -> None:
    decision = judge(nlu, text)
    assert decision.verdict is Verdict.CLARIFY and decision.topic == "order"
    assert [e.id for e in decision.entries] == ["order_status", "order_change"]


@pytest.mark.parametrize("text", ["🙂", "👍👍👍", "?!", "🫖 🔥"])
def test_only_emoji_asks_for_words(nlu: LocalNlu, text: str) -> None:
    assert judge(nlu, text).verdict is Verdict.NO_WORDS


@pytest.mark.parametrize("text", [
    "how much is delivery to spain and can i pay with paypal?",
    "сколько стоит доставка в испанию и можно ли оплатить картой?",
])
def test_two_questions_in_one_message_offer_both(nlu: LocalNlu, text: str) -> None:
    decision = judge(nlu, text)
    assert decision.verdict is Verdict.CLARIFY
    assert {"shipping_cost", "payment_methods"} <= {e.id for e in decision.entries}


def test_a_long_story_with_the_question_at_the_end_is_answered(nlu: LocalNlu) -> None:
    story = ("Hello, I have been a customer of yours for a few years and I always liked your "
             "teas, especially the smoky lapsang and the spring sencha. Last month I moved to a "
             "new flat and I am still unpacking boxes, my cat keeps hiding in them. " * 3
             + "Anyway, long story short: can I pay with PayPal?")
    decision = judge(nlu, story)
    assert decision.verdict is Verdict.ANSWER
    assert decision.entries[0].id == "payment_methods"


@pytest.mark.parametrize("text", ["delivery?", "payment", "my order", "оплата", "доставка?",
                                  "پرداخت", "плащане", "πληρωμή"])
def test_a_topic_name_alone_is_asked_back(nlu: LocalNlu, text: str) -> None:
    decision = judge(nlu, text)
    assert decision.verdict is Verdict.CLARIFY and 2 <= len(decision.entries) <= 3


@pytest.mark.parametrize(("text", "first", "also"), [
    ("refund", "refund_time", "returns"), ("about my return", "returns", "refund_time"),
    ("kettle", "warranty", "damaged_item"), ("относно връщането", "returns", "refund_time"),
    ("вопрос по возврату", "returns", "refund_time"), ("σχετικά με την εγγύηση", "warranty",
                                                          "damaged_item"),
])
def test_a_bare_topic_one_entry_owns_is_asked_back_with_its_neighbours(
        nlu: LocalNlu, text: str, first: str, also: str) -> None:
    decision = judge(nlu, text)
    assert decision.verdict is Verdict.CLARIFY, decision
    offered = [e.id for e in decision.entries]
    assert also in offered and first in offered and len(offered) <= KB.policy.clarify_options


def test_a_brand_can_answer_bare_topics_instead(nlu: LocalNlu) -> None:
    kb = replace(KB, policy=replace(KB.policy, ask_bare_topics=False))
    decision = judge(nlu, "refund", kb)
    assert decision.verdict is Verdict.ANSWER and decision.entries[0].id == "refund_time"


@pytest.mark.parametrize(("text", "entry"), [
    ("paypal ok?", "payment_methods"), ("есть промокод?", "discount_codes"),
    ("where is my parcel", "order_status"),
    ("tracking number pls", "order_status"), ("card keeps getting declined", "payment_failed"),
])
def test_clear_short_questions_are_still_answered(nlu: LocalNlu, text: str, entry: str) -> None:
    decision = judge(nlu, text)
    assert decision.verdict is Verdict.ANSWER and decision.entries[0].id == entry


@pytest.mark.parametrize("text", [
    "whats the weather in sofia tomorrow", "who won the elections in germany",
    "какая погода в москве", "هوای تهران چطوره", "кой спечели изборите в гърция",
    "τι καιρό κάνει στην αθήνα", "where can i buy nike shoes", "help me with my homework",
])
def test_places_and_brands_do_not_pull_off_topic_questions_in(nlu: LocalNlu, text: str) -> None:
    assert judge(nlu, text).verdict in (Verdict.DECLINE, Verdict.OUT_OF_SCOPE)


@pytest.mark.parametrize("text", [
    "i'm leaving a one star review", "my lawyer will call you", "never buying here again",
    "напишу плохой отзыв", "bolshe nikogda u vas ne kuplyu", "ازتون شکایت میکنم",
    "kolahbardarid", "ще ви съдя", "θα κάνω καταγγελία", "apateones",
])
def test_threats_open_a_high_priority_ticket(nlu: LocalNlu, text: str) -> None:
    assert judge(nlu, text).verdict is Verdict.COMPLAINT


@pytest.mark.parametrize("text", [
    "get me a human", "позовите оператора", "pozovite operatora", "با یه آدم واقعی حرف بزنم",
    "mikham ba ye adam harf bezanam", "искам да говоря с човек", "thelo na milisw me anthrwpo",
    "θέλω να μιλήσω με υπεύθυνο",
])
def test_asking_for_a_person_in_every_language_hands_over(nlu: LocalNlu, text: str) -> None:
    assert judge(nlu, text).verdict in (Verdict.HANDOFF, Verdict.COMPLAINT)


def test_broken_goods_calm_are_answered_upset_are_handed_over(nlu: LocalNlu) -> None:
    calm = judge(nlu, "one of the cups arrived with a chip on the rim")
    assert calm.verdict is Verdict.ANSWER and calm.entries[0].id == "damaged_item"
    upset = judge(nlu, "the cups came shattered and nobody answers me!!")
    assert upset.verdict is Verdict.COMPLAINT


def test_anger_signals_rank_threat_over_person() -> None:
    assert read_anger("get me a manager or i call my lawyer").signal is Signal.THREAT
    assert read_anger("manager please").signal is Signal.PERSON
    assert read_anger("where is my order?").signal is None


def test_reading_masks_places_and_brands() -> None:
    reading = read("delivery to Berlin with Nike?", VOCABULARY)
    assert reading.names == ("berlin", "nike") and "berlin" not in reading.content
    assert read("weather in Berlin", VOCABULARY).off_topic


@pytest.mark.parametrize("text", ["refund or return?", "возврат или обмен?"])
def test_a_choice_between_two_entries_is_asked_back(nlu: LocalNlu, text: str) -> None:
    decision = judge(nlu, text)
    assert decision.verdict is Verdict.CLARIFY
    assert {e.id for e in decision.entries} == {"returns", "refund_time"}


def test_the_complaint_intent_on_warm_words_is_not_anger() -> None:
    # The demo model read this praise of the oolong as a complaint (0.60, sentiment +0.86)
    # and opened a ticket; feedback files it as praise instead.
    text = "ваш улун просто супер, лучший что я пробовал"
    warm = parse("complaint", 0.6, sentiment=0.86, language="ru", text=text)
    assert urgent(text, warm, KB, VOCABULARY) is None
    calm = replace(warm, sentiment=0.0)
    decision = urgent(text, calm, KB, VOCABULARY)
    assert decision is not None and decision.verdict is Verdict.COMPLAINT
