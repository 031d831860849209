"""Pure answer parsing and rendering for every question type (also used by beta screeners)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.surveys.questions import (
    Answer,
    Invalid,
    Toggle,
    load_questions,
    parse_button,
    parse_text,
    render,
)

QUESTIONS = load_questions([
    {"id": "one", "type": "single", "text": "Pick", "options": [
        {"id": "a", "label": {"en": "Apple", "fa": "سیب"}}, {"id": "b", "label": "Banana"}]},
    {"id": "many", "type": "multiple", "text": "Tick", "min_picks": 1, "max_picks": 2,
     "options": [{"id": "x", "label": "X"}, {"id": "y", "label": "Y"}, {"id": "z", "label": "Z"}]},
    {"id": "rate", "type": "rating", "scale": 10, "text": "Rate", "low_label": "bad",
     "high_label": "great"},
    {"id": "nps", "type": "nps", "text": "NPS"},
    {"id": "csat", "type": "csat", "text": "CSAT"},
    {"id": "yn", "type": "yes_no", "text": "Yes?"},
    {"id": "free", "type": "text", "text": "Say", "min_length": 3, "max_length": 50},
    {"id": "num", "type": "number", "text": "How many", "min": 1, "max": 10, "integer": True},
    {"id": "mail", "type": "email", "text": "Mail", "required": False},
    {"id": "tel", "type": "phone", "text": "Phone", "region": "DE"},
    {"id": "day", "type": "date", "text": "When", "min": "2026-01-01", "max": "2027-12-31"},
])
Q = {q.id: q for q in QUESTIONS}


def ok(question: str, text: str, language: str = "en") -> object:
    result = parse_text(Q[question], text, language, "en")
    assert isinstance(result, Answer), result
    return result.value


def bad(question: str, text: str) -> str:
    result = parse_text(Q[question], text, "en", "en")
    assert isinstance(result, Invalid), result
    return result.text("en")


def test_typed_answers_of_every_type() -> None:
    assert ok("one", "2") == "b" and ok("one", "apple") == "a" and ok("one", "سیب", "fa") == "a"
    assert ok("many", "1, 3") == ["x", "z"] and ok("many", "x; y") == ["x", "y"]
    assert ok("rate", "7") == 7 and ok("nps", "۹") == 9 and ok("nps", "0") == 0
    assert ok("csat", "5/5") == 5
    assert ok("yn", "Да") == "yes" and ok("yn", "όχι") == "no" and ok("yn", "بله") == "yes"
    assert ok("free", "  fine tea ") == "fine tea"
    assert ok("num", "7") == 7
    assert ok("mail", "Ann@Example.org") == "ann@example.org"
    assert ok("tel", "030 1234567") == "+49301234567" and ok("tel", "+44 20 7946 0958")
    assert ok("day", "31.12.2026") == "2026-12-31"


def test_bad_answers_say_why() -> None:
    assert "1 to 2" in bad("one", "cherry")
    assert "at most 2" in bad("many", "1,2,3")
    assert "from 1 to 10" in bad("rate", "11") and "from 0 to 10" in bad("nps", "-1")
    assert "from 1 to 5" in bad("csat", "great")
    assert "Yes or No" in bad("yn", "maybe")
    assert "at least 3" in bad("free", "ok")
    assert "under 50" in bad("free", "x" * 10_000)
    assert "emoji" in bad("free", "🍵🍵")
    assert "whole number" in bad("num", "2.5") and "from 1 to 10" in bad("num", "99")
    assert "number" in bad("num", "many") and "number" in bad("num", "nan")
    assert "e-mail" in bad("mail", "ann@") and "phone" in bad("tel", "12")
    assert "YYYY-MM-DD" in bad("day", "tomorrow") and "from 2026-01-01" in bad("day", "1999-01-01")
    assert "empty" in bad("one", "   ")
    assert "\x00" not in bad("one", "\x00\x01binary")


def test_buttons_and_toggles() -> None:
    assert parse_button(Q["many"], "1") == Toggle(("x",))
    assert parse_button(Q["many"], "1", ("x",)) == Toggle(())
    assert isinstance(parse_button(Q["many"], "3", ("x", "y")), Invalid)
    assert parse_button(Q["many"], "d", ("y", "x")) == Answer(["x", "y"], ("x", "y"), "x, y")
    assert parse_button(Q["nps"], "10") == Answer(10, (), "10")
    assert parse_button(Q["nps"], "11") is None and parse_button(Q["one"], "9") is None
    assert parse_button(Q["mail"], "s") == Answer(None) and parse_button(Q["one"], "s") is None


def test_render_fits_every_channel() -> None:
    nps = render(Q["nps"], "en", "en", prefix="sv:survey_id_thirty_two_chars_ok:abcdef:12:")
    assert [b.title for b in nps.buttons] == [str(n) for n in range(11)]
    assert all(len(b.payload.encode()) <= 64 for b in nps.buttons)
    rate = render(Q["rate"], "ru", "en", prefix="p:")
    assert "1 = bad, 10 = great" in rate.text and "(Этот вопрос" in rate.text  # marked
    optional = render(Q["mail"], "fa", "en", prefix="p:")
    assert optional.buttons[-1].payload == "p:s" and "\u200e/skip" in optional.text
    ticked = render(Q["many"], "en", "en", prefix="p:", picked=("y",))
    assert [b.title for b in ticked.buttons][:3] == ["X", "✓ Y", "Z"]
    assert "Selected: Y" in ticked.text


def test_invalid_question_files_are_refused() -> None:
    with pytest.raises(ValidationError, match="invalid range"):
        load_questions([{"id": "n", "type": "number", "text": "x", "min": 5, "max": 1}])
    with pytest.raises(ValidationError):
        load_questions([{"id": "Bad-Id", "type": "yes_no", "text": "x"}])
    with pytest.raises(ValidationError, match="unknown language"):
        load_questions([{"id": "n", "type": "yes_no", "text": {"de": "x"}}])
