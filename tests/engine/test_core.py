"""The pure engine: hand-built turns in, outcomes out, no database, no network."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.engine.core import decide
from bot.engine.registry import Registry, build_registry
from bot.engine.replies import say
from bot.engine.types import ContactInfo, DialogueState, Outcome, SetLanguage, Turn
from bot.messages import Inbound, Kind

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def turn(
    text: str | None = None,
    *,
    kind: Kind = Kind.TEXT,
    payload: str | None = None,
    language: str = "en",
    state: DialogueState | None = None,
) -> Turn:
    """A turn of contact 1 in chat c1, as the storage layer would build it."""
    message = Inbound(channel="test", update_id="u1", user_id="c1", chat_id="c1", kind=kind,
                      text=text, payload=payload)
    contact = ContactInfo(1, "test", "c1", language, "hint")
    return Turn(message, contact, state or DialogueState(), NOW)


@pytest.fixture
def registry() -> Registry:
    """The production registry (every feature in FEATURES) plus a deep-link and a flow."""
    registry = build_registry()
    registry.start_payload("promo", lambda t, rest: say(t, "promo {code}", code=rest))
    registry.flow("echo", lambda t: say(t, "echo {text}", text=t.text))
    return registry


def only_text(outcome: Outcome) -> str:
    assert len(outcome.replies) == 1, outcome
    return outcome.replies[0].text


def test_start_greets_and_resets_the_flow(registry: Registry) -> None:
    outcome = decide(turn("/start", state=DialogueState("echo", "s1", {"a": 1})), registry)
    assert "Hello" in only_text(outcome)
    assert outcome.state == DialogueState()


@pytest.mark.parametrize("message", [
    turn(kind=Kind.START, payload="promo-SPRING"),
    turn("/start promo-SPRING"),
    turn("/start@SarafanBot promo-SPRING"),
])
def test_start_deep_link_goes_to_the_registered_payload(registry: Registry, message: Turn) -> None:
    assert only_text(decide(message, registry)) == "promo SPRING"


def test_start_with_an_unknown_payload_just_greets(registry: Registry) -> None:
    assert "Hello" in only_text(decide(turn(kind=Kind.START, payload="nothing-here"), registry))


def test_help_lists_the_registered_commands(registry: Registry) -> None:
    text = only_text(decide(turn("/help"), registry))
    for name in registry.command_help:
        assert f"/{name}" in text


def test_language_offers_one_button_per_language(registry: Registry) -> None:
    outcome = decide(turn("/language"), registry)
    payloads = {button.payload for button in outcome.replies[0].buttons}
    assert payloads == {"lang:en", "lang:ru", "lang:fa", "lang:bg", "lang:el"}


def test_language_button_stores_the_choice_and_answers_in_it(registry: Registry) -> None:
    outcome = decide(turn(kind=Kind.BUTTON, payload="lang:fa"), registry)
    assert outcome.records == (SetLanguage("fa", "choice"),)
    assert outcome.replies[0].language == "fa"


def test_cancel_inside_and_outside_a_flow(registry: Registry) -> None:
    inside = decide(turn("/cancel", state=DialogueState("echo", "s1", {"x": 1})), registry)
    assert inside.state == DialogueState()
    assert "Cancelled" in only_text(inside)
    assert "nothing to cancel" in only_text(decide(turn("/cancel"), registry))


@pytest.mark.parametrize("text", ["/nope", "/NOPE@SarafanBot", "/", "/@bot", "/" + "x" * 5000])
def test_unknown_commands_get_a_pointer_to_help(registry: Registry, text: str) -> None:
    reply = only_text(decide(turn(text), registry))
    assert "/help" in reply
    assert len(reply) < 200


def test_command_addressed_to_the_bot_and_in_capitals(registry: Registry) -> None:
    assert "/language" in only_text(decide(turn("/HELP@SarafanBot"), registry))


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t "])
def test_empty_text_is_answered_politely(registry: Registry, text: str | None) -> None:
    assert "empty" in only_text(decide(turn(text), registry))


def test_unsupported_kind_asks_for_text(registry: Registry) -> None:
    assert "text" in only_text(decide(turn(kind=Kind.UNSUPPORTED), registry))


def test_ignored_kind_changes_nothing_and_says_nothing(registry: Registry) -> None:
    state = DialogueState("echo", "s1", {"a": 1})
    assert decide(turn(kind=Kind.IGNORED, state=state), registry) == Outcome(state=state)


@pytest.mark.parametrize("payload", [None, "", "gone:1", "lang:xx", "lang:", ":"])
def test_stale_or_unknown_buttons(registry: Registry, payload: str | None) -> None:
    state = DialogueState("echo", "s1")
    outcome = decide(turn(kind=Kind.BUTTON, payload=payload, state=state), registry)
    assert "no longer active" in only_text(outcome)
    assert outcome.state == state


def test_very_long_text_gets_the_fallback(registry: Registry) -> None:
    outcome = decide(turn("word " * 2000), registry)
    assert "didn't understand" in only_text(outcome)


def test_user_text_is_never_treated_as_a_format_string(registry: Registry) -> None:
    outcome = decide(turn("{name} {0} {__class__}", state=DialogueState("echo")), registry)
    assert only_text(outcome) == "echo {name} {0} {__class__}"


def test_flow_owns_free_text_and_urgent_handlers_go_first(registry: Registry) -> None:
    state = DialogueState("echo", "s1")
    assert only_text(decide(turn("hi", state=state), registry)) == "echo hi"
    registry.text("urgent", lambda t: say(t, "urgent") if "help!" in t.text else None, -1)
    assert only_text(decide(turn("help!", state=state), registry)) == "urgent"
    assert only_text(decide(turn("hi", state=state), registry)) == "echo hi"


def test_text_handlers_run_in_priority_order_outside_flows() -> None:
    registry = Registry()
    registry.text("late", lambda t: say(t, "late"), 200)
    registry.text("early", lambda t: say(t, "early"), 10)
    registry.text("never", lambda t: None, 0)
    assert only_text(decide(turn("hi"), registry)) == "early"


def test_every_kind_and_odd_text_is_answered_without_raising(registry: Registry) -> None:
    odd = ["\x00\x01", "🙂" * 3000, "/start " + "x" * 10_000, "ق" * 10_000, "a\u202eb",
           "/language extra args", "/cancel@", "lang:ru"]
    turns = [turn(text) for text in odd] + [turn(kind=k) for k in Kind]
    for each in turns:
        outcome = decide(each, registry)
        assert isinstance(outcome, Outcome)
        assert all(reply.text for reply in outcome.replies)
