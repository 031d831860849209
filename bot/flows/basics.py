"""The commands every bot has: /start (with deep links), /help, /language, /cancel."""

from __future__ import annotations

from functools import partial

from bot.engine.registry import Registry
from bot.engine.replies import say, text
from bot.engine.types import ContactInfo, Outcome, SetLanguage, Turn
from bot.i18n import NATIVE_NAMES, is_rtl
from bot.messages import Button, Reply
from bot.storage.retention import EVERY_SECONDS, KIND, retention_job
from bot.support.handoff import close_offer

LANGUAGE_BUTTONS = tuple(Button(name, f"lang:{code}") for code, name in NATIVE_NAMES.items())


def register(registry: Registry) -> None:
    """Add the basic commands and the language picker."""
    # partial, not lambda: Babel's extractor would read a lambda's commas as argument separators.
    registry.command("start", partial(_start, registry=registry), "start over")
    registry.command("help", partial(_help, registry=registry), "what I can do")
    registry.command("language", _language, "choose your language")
    registry.command("cancel", _cancel, "stop what we are doing")
    registry.button("lang", _chosen_language)
    # Housekeeping every deployment needs; here because basics is always registered.
    registry.job(KIND, retention_job, every_seconds=EVERY_SECONDS)


def _start(turn: Turn, payload: str, registry: Registry) -> Outcome:
    prefix = payload.partition("-")[0]
    handler = registry.start_payloads.get(prefix) if payload else None
    if handler is not None:
        return handler(turn, payload.partition("-")[2])
    name = turn.contact.display_name or ""
    return say(turn, "Hello{name}! I can answer your questions. Just type one, or send /help.",
               state=turn.state.idle(), name=f", {name}" if name else "")


def _help(turn: Turn, _args: str, registry: Registry) -> Outcome:
    lines = [text(turn, "Here is what I can do:")]
    # A left-to-right mark keeps the slash in front of the command inside right-to-left text.
    mark = "\u200e" if is_rtl(turn.language) else ""
    lines += [f"{mark}/{name} — {text(turn, msgid)}"
              for name, msgid in registry.command_help.items()]
    lines.append(text(turn, "Or just type your question."))
    return Outcome(state=turn.state, replies=(Reply("\n".join(lines), language=turn.language),))


def _language(turn: Turn, _args: str) -> Outcome:
    return say(turn, "Choose your language:", buttons=LANGUAGE_BUTTONS)


def _chosen_language(turn: Turn) -> Outcome | None:
    code = (turn.message.payload or "").partition(":")[2]
    if code not in NATIVE_NAMES:
        return None
    switched = Turn(turn.message, _with_language(turn.contact, code), turn.state, turn.now)
    return say(switched, "I will write to you in English from now on.",
               records=(SetLanguage(code, "choice"),))


def _with_language(contact: ContactInfo, code: str) -> ContactInfo:
    return ContactInfo(contact.id, contact.channel, contact.external_id, code, "choice",
                       contact.display_name, contact.source)


def _cancel(turn: Turn, _args: str) -> Outcome:
    if turn.state.flow is None:
        # With a ticket open the customer is talking to people: offer the way back to the bot.
        offer = close_offer(turn)
        return offer or say(turn, "There is nothing to cancel. Ask me anything.")
    return say(turn, "Cancelled. Ask me anything.", state=turn.state.idle())
