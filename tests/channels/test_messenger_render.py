"""Reply -> Send API bodies within Messenger's limits, and what Graph API errors mean."""

from __future__ import annotations

import pytest

from bot.channels.base import PermanentFailure, RetryLater
from bot.channels.messenger_graph import failure
from bot.channels.messenger_render import render, split_text, title
from bot.messages import Button, Link, Reply
from tests.fakes.graphapi import check_body

PSID = "6543210987654321"


def test_plain_text_is_one_response_message() -> None:
    [body] = render(PSID, Reply("Hello"))
    assert body == {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
                    "message": {"text": "Hello"}}


def test_long_text_is_split_on_word_boundaries_in_order() -> None:
    words = [f"word{i}" for i in range(1200)]
    bodies = render(PSID, Reply(" ".join(words)))
    texts = [b["message"]["text"] for b in bodies]
    assert len(texts) > 1 and all(len(t) <= 2000 for t in texts)
    assert " ".join(texts).split() == words
    assert all(check_body(b) is None for b in bodies)


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    assert [len(p) for p in split_text("x" * 4500, 2000)] == [2000, 2000, 500]


def test_persian_text_splits_between_words() -> None:
    text = " ".join(["سلام دنیا"] * 400)
    pieces = split_text(text, 2000)
    assert all(len(p) <= 2000 and not p.startswith(" ") for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_choices_become_quick_replies_with_cut_titles() -> None:
    buttons = tuple(Button(f"A rather long choice number {i}", f"pick:{i}") for i in range(15))
    [body] = render(PSID, Reply("Pick one", buttons=buttons))
    replies = body["message"]["quick_replies"]
    assert len(replies) == 13
    assert replies[0] == {"content_type": "text", "title": "A rather long choic…",
                          "payload": "pick:0"}
    assert check_body(body) is None


def test_quick_replies_ride_on_the_last_piece_of_a_long_text() -> None:
    bodies = render(PSID, Reply("word " * 900, buttons=(Button("Yes", "y"),)))
    assert "quick_replies" not in bodies[0]["message"]
    assert bodies[-1]["message"]["quick_replies"][0]["payload"] == "y"


def test_links_become_a_button_template_and_extra_links_stay_text() -> None:
    links = tuple(Link(f"Guide {i}", f"https://example.com/{i}") for i in range(4))
    [body] = render(PSID, Reply("Read more", links=links, buttons=(Button("Thanks", "t"),)))
    payload = body["message"]["attachment"]["payload"]
    assert payload["template_type"] == "button"
    assert [b["url"] for b in payload["buttons"]] == [f"https://example.com/{i}" for i in range(3)]
    assert payload["text"] == "Read more\nGuide 3: https://example.com/3"
    assert body["message"]["quick_replies"][0]["title"] == "Thanks"
    assert check_body(body) is None


def test_template_text_over_640_goes_first_as_plain_text() -> None:
    bodies = render(PSID, Reply("word " * 300, links=(Link("Docs", "https://example.com"),)))
    assert "text" in bodies[0]["message"]
    assert len(bodies[-1]["message"]["attachment"]["payload"]["text"]) <= 640
    assert all(check_body(b) is None for b in bodies)


def test_bad_payloads_and_empty_text_are_refused() -> None:
    with pytest.raises(ValueError, match="payload"):
        render(PSID, Reply("Pick", buttons=(Button("Too long", "x" * 1001),)))
    with pytest.raises(ValueError, match="non-empty"):
        render(PSID, Reply("  "))


def test_title_collapses_whitespace() -> None:
    assert title("  Да\n нет ") == "Да нет"


@pytest.mark.parametrize(("status", "code", "subcode"), [
    (400, 551, 1545041),      # person isn't available (blocked the page, deactivated)
    (400, 10, 2018278),       # outside the 24-hour messaging window
    (403, 200, 2018108),      # person isn't receiving messages from the page
    (400, 100, 2018001),      # no matching user found
    (400, 190, None),         # invalid access token
])
def test_permanent_errors(status: int, code: int, subcode: int | None) -> None:
    error = {"message": "nope", "code": code, "error_subcode": subcode}
    assert isinstance(failure(status, error), PermanentFailure)


@pytest.mark.parametrize(("status", "code", "wait"), [
    (400, 613, 60.0), (400, 4, 60.0), (429, None, 60.0),
    (500, 2, None), (400, 1200, None), (502, None, None),
])
def test_transient_errors(status: int, code: int | None, wait: float | None) -> None:
    error = {"message": "later", "code": code} if code else None
    result = failure(status, error)
    assert isinstance(result, RetryLater) and result.seconds == wait
