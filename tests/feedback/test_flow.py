"""The pure feedback handlers with hand-built turns: no database, no NLU model."""

from __future__ import annotations

import pytest

from bot.engine.registry import build_registry
from bot.engine.types import ON_DEMAND, DialogueState, NeedsContext
from bot.feedback.catalog import load_catalog
from bot.feedback.flow import Feedback
from bot.feedback.records import DUPLICATE, THEME_HINT, CaptureFeedback, ThemeHint
from bot.messages import Kind
from bot.support.handoff import Handoff
from tests.support.conftest import parse, turn

FEEDBACK = Feedback(load_catalog(), Handoff())
SURVEY = DialogueState("survey", "q2", {"survey": "nps", "answers": {"q1": 9}})


def test_feedback_during_a_survey_resumes_it() -> None:
    asked = FEEDBACK.command(turn("/feedback", state=SURVEY), "")
    assert asked.state.flow == "feedback"
    filed = FEEDBACK.pending(turn("please add a decaf earl grey", state=asked.state))
    assert filed is not None and filed.state == SURVEY
    assert "back to where we were" in filed.replies[-1].text
    [record] = filed.records
    assert isinstance(record, CaptureFeedback) and record.category == "feature_request"
    again = FEEDBACK.command(turn("/feedback", state=SURVEY), "")
    unclear = FEEDBACK.pending(turn("please add more choice", state=again.state))
    assert unclear is not None and unclear.state.step == "classify"  # which product?
    chosen = FEEDBACK.button(turn(kind=Kind.BUTTON, payload="fb:prod:other",
                                  state=unclear.state))
    assert chosen is not None and chosen.state == SURVEY


def test_detection_never_takes_over_another_flow() -> None:
    wish = "please add a decaf earl grey"
    assert FEEDBACK.detect(turn(wish, state=SURVEY)) is None
    assert FEEDBACK.detect(turn(wish)) is not None
    assert FEEDBACK.detect(turn(wish, chat_type="group")) is None


def test_detection_leaves_questions_and_small_talk() -> None:
    for text in ("how long does delivery take?", "great, thanks", "hello", "where is my order"):
        assert FEEDBACK.detect(turn(text)) is None, text
    # "need" is a wish cue, but a sure ask for help is support's.
    assert FEEDBACK.detect(turn("hello I need help", parse_=parse("help", 0.98))) is None
    known = turn("the tracking link does not work", parse_=parse("faq_order_status", 0.9))
    assert FEEDBACK.detect(known) is None
    angry_bug = turn("the samovar is broken", parse_=parse("complaint", 0.9, sentiment=-0.2))
    assert FEEDBACK.detect(angry_bug) is None


def test_praise_naming_no_catalogued_product_is_filed_but_a_word_of_thanks_is_not() -> None:
    for text in ("Love the new mugs, great quality!", "you guys are awesome",
                 "Обожаю ваш магазин, всё отлично!"):
        outcome = FEEDBACK.detect(turn(text, parse_=parse("thanks", 0.9, sentiment=0.8)))
        assert outcome is not None, text
        [record] = outcome.records
        assert isinstance(record, CaptureFeedback)
        assert (record.category, record.product) == ("praise", None), text
        assert "lovely to hear" in outcome.replies[0].text
    for text in ("great", "awesome!", "great, thanks", "love it"):
        assert FEEDBACK.detect(turn(text, parse_=parse("thanks", 0.9, sentiment=0.8))) is None
    # Superlatives in questions are not praise: Persian and Greek mark questions their way.
    for text, language in (("استانبول. بهترین رستوران اونجا کجاست؟", "fa"),
                           ("ποιο τσάι είναι το καλύτερο;", "el"),
                           ("which of your shops is the best one", "en")):
        asks = turn(text, parse_=parse(sentiment=0.7, language=language), language=language)
        assert FEEDBACK.detect(asks) is None, text


def test_praise_wins_over_a_sure_faq_answer_unless_it_asks_something() -> None:
    # The demo model once read "love the sencha, amazing" as a sure damaged-item question:
    # "sencha" is in that answer's examples.
    sure_faq = parse("faq_damaged_item", 0.99, sentiment=0.8)
    praise = FEEDBACK.detect(turn("love the sencha, amazing", parse_=sure_faq))
    assert praise is not None
    assert [r.product for r in praise.records if isinstance(r, CaptureFeedback)] == ["sencha"]
    asks = turn("Great shop! how long does delivery take?",
                parse_=parse("faq_shipping_time", 0.9, sentiment=0.6))
    assert FEEDBACK.detect(asks) is None
    person = turn("love the sencha, can I talk to a person",
                  parse_=parse("request_human", 0.9, sentiment=0.6))
    assert FEEDBACK.detect(person) is None


def test_others_who_asked_are_told_for_wishes_and_bugs() -> None:
    context = {THEME_HINT: ThemeHint(4, 12)}
    outcome = FEEDBACK.detect(turn("please add a decaf earl grey", context=context))
    assert outcome is not None and "before you: 12" in outcome.replies[0].text
    praise = FEEDBACK.detect(turn("love the sencha, amazing", context=context))
    assert praise is not None and "before you" not in praise.replies[0].text


def test_only_wishes_and_bugs_ask_for_the_theme_hint() -> None:
    """The hint costs the analysis and two queries: loaded on demand, not for every text."""
    marked = {ON_DEMAND: {THEME_HINT}, DUPLICATE: False}
    with pytest.raises(NeedsContext) as asked:
        FEEDBACK.detect(turn("please add a decaf earl grey", context=marked))
    assert asked.value.key == THEME_HINT
    praise = FEEDBACK.detect(turn("love the sencha, amazing", context=marked))
    assert praise is not None and "before you" not in praise.replies[0].text


def test_duplicate_is_answered_without_a_record() -> None:
    outcome = FEEDBACK.command(turn("/feedback x", context={DUPLICATE: True}), "please add tea")
    assert "counted once" in outcome.replies[0].text and outcome.records == ()


def test_score_tapped_twice_updates_one_item() -> None:
    first = FEEDBACK.button(turn(kind=Kind.BUTTON, payload="fb:rate:2"))
    assert first is not None
    second = FEEDBACK.button(turn(kind=Kind.BUTTON, payload="fb:rate:4", state=first.state))
    assert second is not None
    keys = {r.key for o in (first, second) for r in o.records if isinstance(r, CaptureFeedback)}
    assert len(keys) == 1
    assert [r.category for r in second.records if isinstance(r, CaptureFeedback)] == ["praise"]


def test_stale_and_forged_buttons_are_refused() -> None:
    for payload in ("fb:cat:bug", "fb:rate:9", "fb:prod:nothing", "fb:", "fb:cat:evil"):
        assert FEEDBACK.button(turn(kind=Kind.BUTTON, payload=payload)) is None, payload
    waiting = DialogueState("feedback", "classify", {"key": "k1", "category": "bug"})
    assert FEEDBACK.button(turn(kind=Kind.BUTTON, payload="fb:prod:nothing",
                                state=waiting)) is None
    assert FEEDBACK.button(turn(kind=Kind.BUTTON, payload="fb:prod:teapot",
                                state=waiting)) is not None


def test_survey_free_text_hook_returns_the_capture_record() -> None:
    registry = build_registry(("bot.flows.basics", "bot.support.flow", "bot.feedback"))
    [hook] = registry.hooks_for("survey.free_text")
    [record] = hook(turn("x"), "nps", "why", "доставка очень медленная, ускорьте")
    assert isinstance(record, CaptureFeedback)
    assert (record.origin, record.survey_id, record.survey_question) == ("survey", "nps", "why")
    assert record.language == "ru" and record.product == "delivery"
    assert hook(turn("x"), "nps", "why", "   ") == ()
    # The response key is an argument: feedback never reads the survey's private state.
    private = turn("x", state=DialogueState("survey", "why", {"r": "not-this"}))
    [linked] = hook(private, "nps", "why", "please add decaf", "resp-7")
    assert isinstance(linked, CaptureFeedback) and linked.survey_response == "resp-7"


def test_angry_complaint_without_a_product_gets_a_ticket_not_a_question() -> None:
    outcome = FEEDBACK.command(turn("/feedback"), "this is awful, the worst shop, I hate it")
    assert any("ticket" in r.text for r in outcome.replies)
    assert [type(r).__name__ for r in outcome.records] == ["CaptureFeedback", "OpenTicket"]
