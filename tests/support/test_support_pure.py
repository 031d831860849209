"""Support decisions on hand-built turns: no database, no NLU model."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.engine.core import decide
from bot.engine.registry import Registry, build_registry
from bot.engine.types import DialogueState
from bot.messages import Kind
from bot.support.flow import FLOW, Support
from bot.support.handoff import Handoff
from bot.support.handoff_records import TICKET, OpenTicket, RateAnswer
from bot.support.kb.check import load_knowledge_base
from bot.support.kb.model import KnowledgeBase
from tests.support.conftest import OPERATORS, parse, turn

KB = load_knowledge_base(None, "en")


def registry(kb: KnowledgeBase = KB, operators: int | None = OPERATORS) -> Registry:
    """The pure part of support on the bundled knowledge base."""
    built = build_registry(features=("bot.flows.basics",))
    Support(kb, Handoff(operators, "en", kb.policy.response_time)).install(built)
    return built


def test_confident_question_is_answered_with_rating_buttons() -> None:
    outcome = decide(turn("where is my parcel", parse_=parse("faq_order_status", 0.93)),
                     registry())
    [reply] = outcome.replies
    assert "tracking link" in reply.text
    assert [b.payload for b in reply.buttons[:2]] == ["rate:order_status:yes",
                                                      "rate:order_status:no"]
    assert "faq:shipping_time" in [b.payload for b in reply.buttons]
    assert reply.links[0].url.endswith("/account/orders")
    assert outcome.state.flow == FLOW


def test_unsure_question_offers_the_closest_entries() -> None:
    unsure = parse("faq_returns", 0.4, ranking=(("faq_returns", 0.4), ("faq_refund_time", 0.3),
                                                 ("greet", 0.2), ("faq_warranty", 0.05)))
    [reply] = decide(turn("money back?", parse_=unsure), registry()).replies
    payloads = [b.payload for b in reply.buttons]
    assert payloads == ["faq:returns", "faq:refund_time", "handoff:request"]


def test_out_of_scope_admits_it_then_hands_over_on_the_second_miss() -> None:
    # Shop words, no entry: a miss ("fix my bike" has a word nobody knows: declined, no miss).
    first = decide(turn("can you fix it for me", parse_=parse()), registry())
    assert "don't know" in first.replies[0].text
    assert first.state.data["misses"] == 1 and not first.records
    second = decide(turn("please fix the thing", parse_=parse(), state=first.state),
                    registry())
    [record] = second.records
    assert isinstance(record, OpenTicket) and record.reason == "misses"
    assert second.sends[0].chat_id == str(OPERATORS)
    assert second.sends[0].reply.meta == {"ticket": "7-1"}


def test_angry_message_opens_a_high_priority_ticket() -> None:
    angry = parse("faq_order_status", 0.9, sentiment=-0.9)
    outcome = decide(turn("WHERE IS MY ORDER you thieves", parse_=angry), registry())
    [record] = outcome.records
    assert isinstance(record, OpenTicket) and record.priority == 1
    assert record.transcript[-1] == ("customer", "WHERE IS MY ORDER you thieves")
    assert "HIGH PRIORITY" in outcome.sends[0].reply.text


@pytest.mark.parametrize("intent", ["request_human", "complaint"])
def test_asking_for_a_person_opens_a_ticket(intent: str) -> None:
    outcome = decide(turn("operator pls", parse_=parse(intent, 0.9)), registry())
    assert isinstance(outcome.records[0], OpenTicket)


def test_answer_missing_in_the_language_falls_back_marked() -> None:
    entry = KB.entries["warranty"]
    partial = replace(entry, answers={"en": entry.answers["en"]})
    kb = replace(KB, entries={**KB.entries, "warranty": partial})
    reply = decide(turn("گارانتی کتری چند ساله؟", parse_=parse("faq_warranty", 0.9),
                            language="fa"),
                   registry(kb)).replies[0]
    assert reply.text.startswith("(")
    assert entry.answers["en"] in reply.text


def test_rating_is_recorded() -> None:
    outcome = decide(turn(None, kind=Kind.BUTTON, payload="rate:returns:no"), registry())
    # "m9": the message the button sat under (the turn helper's message_id), so one per answer
    assert outcome.records == (RateAnswer("returns", False, "en", "m9"),)
    assert outcome.replies[0].buttons[0].payload == "handoff:not_helpful"


def test_forged_buttons_are_refused_politely() -> None:
    for payload in ("rate:nope:yes", "rate:returns", "faq:../../etc", "handoff:whatever"):
        reply = decide(turn(None, kind=Kind.BUTTON, payload=payload), registry()).replies[0]
        assert "no longer active" in reply.text


def test_only_emoji_and_foreign_language_get_clear_replies() -> None:
    emoji = decide(turn("🙂🙂🔥", parse_=parse()), registry())
    assert "words" in emoji.replies[0].text and not emoji.records
    japanese = parse(language="ja")
    foreign = decide(turn("配送はいつですか", parse_=replace(
        japanese, language=replace(japanese.language, confidence=0.95))), registry())
    assert "English" in foreign.replies[0].text
    assert any(b.payload == "lang:ru" for b in foreign.replies[0].buttons)


def test_small_talk_does_not_count_as_a_miss() -> None:
    missed = DialogueState(FLOW, "missed", {"misses": 1})
    outcome = decide(turn("thanks", parse_=parse("thanks", 0.99), state=missed), registry())
    assert outcome.state.data["misses"] == 0 and not outcome.records


def test_without_operators_the_ticket_is_stored_and_the_customer_told_when() -> None:
    outcome = decide(turn("/human"), registry(operators=None))
    assert isinstance(outcome.records[0], OpenTicket) and not outcome.sends
    assert "Monday to Friday" in outcome.replies[0].text


def test_second_request_keeps_the_open_ticket() -> None:
    from bot.support.handoff_records import TicketView

    open_ = TicketView(3, "7-1", "open", "webchat", "c1", None, "en")
    outcome = decide(turn("/human", context={TICKET: open_}), registry())
    assert not outcome.records and "#7-1" in outcome.replies[0].text


def test_the_forward_fits_one_telegram_message_and_keeps_the_newest_lines() -> None:
    from bot.support.handoff_records import RECENT

    recent = tuple(("customer", f"message {n} " + "blah " * 200) for n in range(8))
    outcome = decide(turn("/human", context={RECENT: recent}), registry())
    forward = outcome.sends[0].reply.text
    assert len(forward) < 4096
    assert "customer: /human" in forward and "message 0 " not in forward
    assert len(outcome.records[0].transcript) == 9  # type: ignore[attr-defined]
