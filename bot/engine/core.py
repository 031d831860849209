"""The pure engine: ``decide(turn, registry) -> Outcome``. No I/O happens here."""

from __future__ import annotations

from bot.engine.registry import Registry
from bot.engine.replies import say
from bot.engine.types import Outcome, Turn
from bot.messages import Kind

MAX_TEXT = 4096
"""Longer texts are cut for understanding; the full text stays in the message log."""
ATTACHMENTS_HOOK = "message.attachments"
"""Hooks ``fn(turn) -> Outcome | None`` offered photos and files sent without text (e.g.
feedback while it is collecting one); the first outcome wins."""


def decide(turn: Turn, registry: Registry) -> Outcome:
    """Route one turn to the command, button, flow or text handler that owns it."""
    kind = turn.message.kind
    if kind is Kind.IGNORED:
        return Outcome(state=turn.state)
    if kind is Kind.UNSUPPORTED:
        return _attachments(turn, registry) or say(
            turn, "Sorry, I can only read text messages. Please type your question.")
    if kind is Kind.START:
        return _command(turn, registry, "start", turn.message.payload or "")
    if kind is Kind.BUTTON:
        return _button(turn, registry)
    if not turn.text:
        return say(turn, "Your message looks empty. Please type your question.")
    if turn.text.startswith("/"):
        name, _, args = turn.text[1:].partition(" ")
        return _command(turn, registry, name.split("@", 1)[0].lower(), args.strip())
    return _free_text(turn, registry)


def _command(turn: Turn, registry: Registry, name: str, args: str) -> Outcome:
    handler = registry.commands.get(name)
    if handler is None:
        return say(turn, "I don't know the command /{name}. Send /help to see what I can do.",
                   name=name[:32])
    return handler(turn, args)


def _attachments(turn: Turn, registry: Registry) -> Outcome | None:
    """A flow that is waiting for a photo or file takes it; otherwise nobody does."""
    if not turn.message.attachments:
        return None
    for hook in registry.hooks_for(ATTACHMENTS_HOOK):
        outcome: Outcome | None = hook(turn)
        if outcome is not None:
            return outcome
    return None


def _button(turn: Turn, registry: Registry) -> Outcome:
    namespace = (turn.message.payload or "").partition(":")[0]
    handler = registry.buttons.get(namespace)
    outcome = handler(turn) if handler else None
    if outcome is None:
        return say(turn, "That button is no longer active. Please type your question.")
    return outcome


def _free_text(turn: Turn, registry: Registry) -> Outcome:
    for ranked in registry.text_handlers:
        if ranked.priority < 0 and (outcome := ranked.handler(turn)) is not None:
            return outcome
    flow = registry.flows.get(turn.state.flow or "")
    if flow is not None and (outcome := flow(turn)) is not None:
        return outcome
    for ranked in registry.text_handlers:
        if ranked.priority >= 0 and (outcome := ranked.handler(turn)) is not None:
            return outcome
    return say(turn, "Sorry, I didn't understand that. Send /help to see what I can do.")
