"""The survey conversation without I/O: hand-built turns in, outcomes out."""

from __future__ import annotations

from typing import Any

from bot.engine.types import Outcome
from bot.messages import Button
from bot.support.handoff import HIGH, Handoff
from bot.support.handoff_records import OpenTicket, TicketView
from bot.surveys.flow import FLOW, Surveys, next_step
from bot.surveys.records import (
    DONE,
    PROMOTER_ASKED,
    FinishResponse,
    PromoterAsked,
    SaveAnswer,
    StartResponse,
    UndoAnswer,
)
from tests.surveys.helpers import SMALL, catalogue, survey, then, turn


def flow(**kw: Any) -> Surveys:
    return Surveys(catalogue(), **kw)


def saved(outcome: Outcome) -> list[SaveAnswer]:
    return [r for r in outcome.records if isinstance(r, SaveAnswer)]


def tap(outcome: Outcome, title: str, **kw: Any) -> Any:
    button = next(b for b in outcome.replies[-1].buttons if b.title.endswith(title))
    return turn(payload=button.payload, state=outcome.state, **kw)


def test_start_shows_intro_progress_and_buttons() -> None:
    out = flow().start_link(turn(kind=None), "mini-ig-spring")
    assert out.state.flow == FLOW and out.state.step == "drink"
    start = out.records[0]
    assert isinstance(start, StartResponse)
    assert (start.source, start.campaign) == ("ig", "spring")
    assert out.replies[1].text.startswith("1/4 · What do you drink?")
    assert [b.title for b in out.replies[1].buttons] == ["Tea", "Coffee", "Nothing"]
    assert all(len(b.payload.encode()) <= 64 for b in out.replies[1].buttons)


def test_full_run_branches_pipes_and_completes() -> None:
    f = flow()
    out = f.start_link(turn(), "mini")
    out = f.on_text(then(out, "Чай"))  # a label in another of the survey's languages
    assert out is not None and saved(out)[0].option_ids == ("tea",)
    assert "Where do you buy Tea?" in out.replies[-1].text and "2/4" in out.replies[-1].text
    out = f.on_button(tap(out, "Shop"))
    assert out is not None and not saved(out) and "✓ Shop" in [b.title for b in
                                                              out.replies[-1].buttons]
    out = f.on_button(tap(out, "Online"))
    assert out is not None
    out = f.on_button(tap(out, "Done ✔"))
    assert out is not None and saved(out)[0].value == ["shop", "web"]
    out = f.on_text(then(out, "3"))
    assert out is not None and out.replies[-1].text.startswith("4/4 · Why 3?")
    out = f.on_text(then(out, "Too pricey"))
    assert out is not None and out.state.flow is None
    finish = next(r for r in out.records if isinstance(r, FinishResponse))
    assert (finish.status, finish.nps) == ("completed", 3)
    assert saved(out)[0].question_text == "Why 3?"


def test_screen_out_ending() -> None:
    f = flow()
    out = f.start_link(turn(), "mini")
    out = f.on_button(tap(out, "Nothing"))
    assert out is not None and out.state.flow is None
    assert out.replies[0].text == "Thanks, that is all."
    assert [r.status for r in out.records if isinstance(r, FinishResponse)] == ["screened_out"]


def test_promoter_band_jumps_to_the_end() -> None:
    s = survey()
    assert next_step(s, s.questions[2], {"nps": 9}) == "end"
    assert next_step(s, s.questions[2], {"nps": 8}) == "why"


def test_skip_back_and_cancel() -> None:
    f = flow()
    out = f.start_link(turn(), "mini")
    refused = f.skip_command(then(out), "")
    assert "needs an answer" in refused.replies[0].text and refused.state == out.state
    out = f.on_text(then(out, "2"))
    assert out is not None
    back = f.back_command(then(out), "")
    assert back.state.step == "drink" and isinstance(back.records[0], UndoAnswer)
    assert "drink" not in back.state.data["a"]
    first = f.back_command(then(back), "")
    assert "first question" in first.replies[0].text
    cancelled = f.cancel_command(then(back), "")
    assert cancelled.state.flow is None
    assert [r.status for r in cancelled.records if isinstance(r, FinishResponse)] == ["cancelled"]


def test_cancel_outside_a_survey_falls_back() -> None:
    seen = []
    out = flow().cancel_command(turn("/cancel"), "", fallback=lambda t, a: seen.append(a) or
                                Outcome(t.state))
    assert seen == [""] and out.replies == ()


def test_optional_question_skips() -> None:
    f = flow()
    out = f.start_link(turn(), "mini")
    for answer in ("1", "1, 2", "5"):
        out = f.on_text(then(out, answer)) or out
    skipped = f.skip_command(then(out), "")
    assert saved(skipped)[0].skipped and skipped.state.flow is None


def test_bad_answers_are_refused_with_the_reason_and_kept_state() -> None:
    f = flow()
    out = f.start_link(turn(), "mini")
    out = f.on_text(then(out, "1")) or out
    out = f.on_text(then(out, "1,2")) or out
    wrong = f.on_text(then(out, "11"))  # NPS out of range
    assert wrong is not None and "from 0 to 10" in wrong.replies[0].text
    assert not saved(wrong) and wrong.state.step == "nps"
    again = f.on_text(then(wrong, "lots"))
    assert again is not None and "/cancel" in again.replies[0].text  # second miss: a way out
    assert f.on_text(then(again, "🙂🙂")) is not None
    out = f.on_text(then(out, "4")) or out
    long = f.on_text(then(out, "x" * 10_000))
    assert long is not None and "10000 characters" in long.replies[0].text and not saved(long)
    emoji = f.on_text(then(out, "😡😡😡"))
    assert emoji is not None and "emoji" in emoji.replies[0].text and not saved(emoji)


def test_multiple_choice_limits() -> None:
    f = flow()
    out = f.start_link(turn(), "mini")
    out = f.on_text(then(out, "1")) or out
    too_many = f.on_text(then(out, "1, 2, 3"))
    assert too_many is not None and "at most 2" in too_many.replies[0].text
    none = f.on_button(tap(out, "Done ✔"))
    assert none is not None and "at least 1" in none.replies[0].text


def test_stale_duplicate_and_foreign_buttons_are_never_recorded() -> None:
    f = flow()
    out = f.start_link(turn(), "mini")
    first_tap = tap(out, "Tea")
    out2 = f.on_button(first_tap)
    assert out2 is not None and len(saved(out2)) == 1
    twice = f.on_button(turn(payload=first_tap.message.payload, state=out2.state))
    assert twice is not None and not saved(twice)
    assert "already answered that question" in twice.replies[0].text
    assert twice.state.step == "shops"
    old = first_tap.message.payload.replace(f":{survey().version[:6]}:", ":abcdef:")
    older = f.on_button(turn(payload=old.replace(":0:", ":1:"), state=out2.state))
    assert older is not None and "updated" in older.replies[0].text and not saved(older)
    other = survey({**SMALL, "id": "other"})
    both = Surveys(catalogue(survey(), other))
    foreign = both.on_button(turn(payload=f"sv:other:{other.version[:6]}:0:1",
                                  state=out2.state))
    assert foreign is not None and "another survey" in foreign.replies[0].text
    assert not saved(foreign)
    gone = f.on_button(turn(payload="sv:nope:abcdef:0:1", state=out2.state))
    assert gone is not None and "no longer available" in gone.replies[0].text
    finished = f.on_button(turn(payload=first_tap.message.payload, context={DONE: {"mini"}}))
    assert finished is not None and "already answered" in finished.replies[0].text


def test_unknown_closed_and_busy_entry() -> None:
    f = Surveys(catalogue(survey(), survey({**SMALL, "id": "shut", "status": "closed"})))
    assert "could not find" in f.survey_command(turn("/survey x"), "nosuch").replies[0].text
    assert "closed" in f.survey_command(turn("/survey shut"), "shut").replies[0].text
    ticket = TicketView(1, "7-1", "open", "telegram", "u1", None, "en")
    busy = f.survey_command(turn(context={"support.ticket": ticket}), "mini")
    assert "open conversation with our team" in busy.replies[0].text and busy.state.flow is None
    done = f.survey_command(turn(context={DONE: frozenset({"mini"})}), "mini")
    assert "already answered" in done.replies[0].text
    listing = f.survey_command(turn("/survey"), "")
    assert [b.payload for b in listing.replies[0].buttons] == ["svs:mini"]


def test_resume_same_survey_and_refuse_a_second_one() -> None:
    f = Surveys(catalogue(survey(), survey({**SMALL, "id": "other"})))
    out = f.start_link(turn(), "mini")
    out = f.on_text(then(out, "1")) or out
    again = f.start_link(then(out), "mini")
    assert "Welcome back" in again.replies[0].text and again.state == out.state
    assert not any(isinstance(r, StartResponse) for r in again.records)
    second = f.start_link(then(out), "other")
    assert "another survey" in second.replies[0].text and second.state == out.state


def test_new_version_mid_response_continues_at_the_same_question() -> None:
    f = flow()
    out = f.start_link(turn(), "mini")
    out = f.on_text(then(out, "1")) or out
    changed = {**SMALL, "title": {"en": "Mini v2", "ru": "Мини 2"}}
    g = Surveys(catalogue(survey(changed)))
    after = g.on_text(then(out, "1, 2"))
    assert after is not None and saved(after)[0].version == survey(changed).version
    assert saved(after)[0].question_id == "shops"


def promoter_hook(turn: Any, survey_id: str) -> tuple[Button, ...]:
    return (Button("Invite friends", "ref:invite"),)


def test_promoter_is_asked_once_with_the_hooks_buttons() -> None:
    f = Surveys(catalogue(), hooks=lambda name: [promoter_hook] if name == "survey.promoter"
                else [])
    out = f.start_link(turn(), "mini")
    for answer in ("1", "1"):
        out = f.on_text(then(out, answer)) or out
    done = f.on_text(then(out, "10"))
    assert done is not None
    assert done.replies[-1].buttons[0].payload == "ref:invite"
    assert done.replies[-1].buttons[-1].payload.endswith(":p:n")
    assert any(isinstance(r, PromoterAsked) for r in done.records)
    asked = f.on_text(then(out, "10", context={PROMOTER_ASKED: True}))
    assert asked is not None and len(asked.replies) == 1
    no_thanks = f.on_button(turn(payload=done.replies[-1].buttons[-1].payload))
    assert no_thanks is not None and "thank you" in no_thanks.replies[0].text.lower()
    no_hooks = flow().on_text(then(out, "10"))
    assert no_hooks is not None and len(no_hooks.replies) == 1


def test_detractor_opens_a_priority_ticket_with_the_answers() -> None:
    f = flow(handoff=Handoff())
    out = f.start_link(turn(), "mini")
    for answer in ("1", "1"):
        out = f.on_text(then(out, answer)) or out
    out = f.on_text(then(out, "2")) or out
    done = f.on_text(then(out, "Slow delivery"))
    assert done is not None
    ticket = next(r for r in done.records if isinstance(r, OpenTicket))
    assert ticket.priority == HIGH and ticket.reason == "survey_detractor"
    assert "nps: 2" in ticket.transcript[-1][1] and "drink: Tea" in ticket.transcript[-1][1]
    assert "ticket #7-1" in done.replies[-1].text


def test_feedback_hook_gets_free_text() -> None:
    calls = []

    def hook(turn: Any, survey_id: str, question_id: str, text: str,
             response: str) -> tuple[Any, ...]:
        calls.append((survey_id, question_id, text, response))
        return (FinishResponse("fake", "x"),)

    f = Surveys(catalogue(), hooks=lambda name: [hook] if name == "survey.free_text" else [])
    out = f.start_link(turn(), "mini")
    for answer in ("1", "1", "5"):
        out = f.on_text(then(out, answer)) or out
    done = f.on_text(then(out, "Cheaper shipping"))
    assert done is not None and calls == [("mini", "why", "Cheaper shipping",
                                           out.state.data["r"])]
    assert FinishResponse("fake", "x") in done.records


def test_persian_uses_marks_and_falls_back_marked() -> None:
    out = flow().start_link(turn(language="fa"), "mini")
    assert "\u200e/back" in out.replies[0].text
    assert "(" in out.replies[1].text and out.replies[1].language == "fa"
