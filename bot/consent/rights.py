"""The customer's rights in chat, pure: /privacy, /optout, /mydata, /forget and their buttons."""

from __future__ import annotations

from collections.abc import Mapping

from bot.consent.records import (
    ERASING,
    LEDGER,
    PRIVACY_VERSION,
    SWITCHABLE,
    ConsentView,
    GrantConsent,
    RequestErasure,
    SendMyData,
    WithdrawConsent,
)
from bot.engine.replies import say, text
from bot.engine.types import Outcome, Record, Turn
from bot.i18n import N_, gettext, is_rtl
from bot.messages import Button, Reply
from bot.support.handoff_records import TICKET, TicketView

PURPOSE_NAMES = {
    "support": N_("answering you"),
    "research": N_("surveys"),
    "marketing": N_("news and offers"),
    "beta": N_("the beta programme"),
    "reminders": N_("reminders"),
}
KEPT = (
    N_("• Your messages and support requests: to answer you and to let our team help you."),
    N_("• Survey answers and feedback: to improve what we sell; invitations only if you allow "
       "surveys."),
    N_("• Beta applications with your e-mail or phone: only for the beta you applied to."),
    N_("• Your consent choices below, with the time and the text you agreed to."),
)
NAMESPACE = "privacy"


def _ledger(turn: Turn) -> Mapping[str, ConsentView]:
    ledger: Mapping[str, ConsentView] = turn.context.get(LEDGER) or {}
    return ledger


def _mark(turn: Turn) -> str:
    # A left-to-right mark keeps the slash in front of the command inside right-to-left text.
    return "\u200e" if is_rtl(turn.language) else ""


def _purpose_line(turn: Turn, purpose: str, view: ConsentView | None) -> str:
    name = text(turn, PURPOSE_NAMES[purpose])
    if view is not None and view.granted:
        return text(turn, "✅ {purpose}: allowed since {date}", purpose=name,
                    date=view.at.date().isoformat())
    return text(turn, "⛔ {purpose}: not allowed", purpose=name)


def _switches(turn: Turn) -> tuple[Button, ...]:
    ledger = _ledger(turn)
    buttons = []
    for purpose in SWITCHABLE:
        name = text(turn, PURPOSE_NAMES[purpose])
        view = ledger.get(purpose)
        if view is not None and view.granted:
            buttons.append(Button(text(turn, "Stop {purpose}", purpose=name),
                                  f"{NAMESPACE}:off:{purpose}"))
        else:
            buttons.append(Button(text(turn, "Allow {purpose}", purpose=name),
                                  f"{NAMESPACE}:on:{purpose}"))
    return tuple(buttons)


def private_only(turn: Turn) -> Outcome | None:
    """Privacy commands work in a private chat only (a group is shared with other people)."""
    if turn.message.chat_type == "private":
        return None
    return say(turn, "Please send this command to me in a private chat.")


def privacy_view(turn: Turn, _args: str = "") -> Outcome:
    """``/privacy``: what is kept and why, the current choices, and a switch per purpose."""
    if (refused := private_only(turn)) is not None:
        return refused
    ledger = _ledger(turn)
    mark = _mark(turn)
    lines = [text(turn, "What we keep about you, and why:"), *(text(turn, k) for k in KEPT), "",
             text(turn, "Your choices:"),
             *(_purpose_line(turn, p, ledger.get(p)) for p in SWITCHABLE), "",
             text(turn, "Send {mydata} for a copy of your data, or {forget} to erase it.",
                  mydata=f"{mark}/mydata", forget=f"{mark}/forget")]
    reply = Reply("\n".join(lines), buttons=_switches(turn), language=turn.language)
    return Outcome(turn.state, replies=(reply,))


def optout(turn: Turn, args: str) -> Outcome:
    """``/optout [purpose|all]``: stop one purpose, every purpose, or pick from buttons."""
    if (refused := private_only(turn)) is not None:
        return refused
    wanted = args.strip().lower()
    granted = [p for p in SWITCHABLE if (v := _ledger(turn).get(p)) is not None and v.granted]
    if not wanted:
        if not granted:
            return say(turn, "You have not allowed anything beyond answering you, so there is "
                             "nothing to stop.")
        buttons = tuple(Button(text(turn, "Stop {purpose}", purpose=text(turn, PURPOSE_NAMES[p])),
                               f"{NAMESPACE}:off:{p}") for p in granted)
        everything = Button(text(turn, "Stop everything"), f"{NAMESPACE}:off:all")
        return say(turn, "What should we stop?", buttons=(*buttons, everything))
    if wanted == "all":
        return _withdraw(turn, granted)
    if wanted not in SWITCHABLE:
        return say(turn, "I don't know that purpose. You can stop: {purposes}, or all.",
                   purposes=", ".join(SWITCHABLE))
    return _withdraw(turn, [wanted] if wanted in granted else [], asked=wanted)


def _withdraw(turn: Turn, purposes: list[str], asked: str | None = None) -> Outcome:
    if not purposes:
        name = text(turn, PURPOSE_NAMES[asked]) if asked else ""
        if asked:
            return say(turn, "You had not allowed {purpose}, so there is nothing to stop.",
                       purpose=name)
        return say(turn, "You have not allowed anything beyond answering you, so there is "
                         "nothing to stop.")
    records: tuple[Record, ...] = tuple(WithdrawConsent(p) for p in purposes)
    names = ", ".join(text(turn, PURPOSE_NAMES[p]) for p in purposes)
    return say(turn, "Done: we stopped {purposes}. You can allow it again in {privacy}.",
               records=records, purposes=names, privacy=f"{_mark(turn)}/privacy")


def button(turn: Turn) -> Outcome | None:
    """``privacy:on|off:<purpose>``, ``privacy:forget:<contact id>``, ``privacy:keep``."""
    if (refused := private_only(turn)) is not None:
        return refused
    parts = (turn.message.payload or "").split(":")
    action, arg = [*parts, "", ""][1:3]
    if action == "off" and arg == "all":
        return optout(turn, "all")
    if action == "off" and arg in SWITCHABLE:
        return optout(turn, arg)
    if action == "on" and arg in SWITCHABLE:
        return _grant(turn, arg)
    if action == "forget":
        return _forget_confirmed(turn, arg)
    if action == "keep":
        return say(turn, "Nothing was erased. Your data stays as it was.")
    return None


def _grant(turn: Turn, purpose: str) -> Outcome:
    name = text(turn, PURPOSE_NAMES[purpose])
    view = _ledger(turn).get(purpose)
    if view is not None and view.granted:
        return say(turn, "{purpose} is already allowed.", purpose=name)
    return say(turn, "Thank you: {purpose} is now allowed. You can stop it any time with "
                     "{optout}.", records=(GrantConsent(purpose, PRIVACY_VERSION),),
               purpose=name, optout=f"{_mark(turn)}/optout {purpose}")


def mydata(turn: Turn, _args: str = "") -> Outcome:
    """``/mydata``: storage collects every feature's data and sends it here."""
    if (refused := private_only(turn)) is not None:
        return refused
    record = SendMyData(turn.message.channel, turn.message.chat_id, turn.message.account,
                        turn.language)
    return Outcome(turn.state, records=(record,))


def forget(turn: Turn, _args: str = "") -> Outcome:
    """``/forget``: explain what goes and what stays, then ask to confirm."""
    if (refused := private_only(turn)) is not None:
        return refused
    if turn.context.get(ERASING):
        return say(turn, "Your data is already being erased; this takes up to a minute.")
    lines = [text(turn, "This erases your messages, contact details, answers and feedback "
                        "within a minute. Counts we keep for statistics stay, without "
                        "anything that points to you. This cannot be undone.")]
    ticket: TicketView | None = turn.context.get(TICKET)
    if ticket is not None:
        lines.append(text(turn, "Your open request #{ref} will be closed.", ref=ticket.ref))
    if turn.state.flow is not None:
        lines.append(text(turn, "What we are doing now (for example a survey) will stop."))
    lines.append(text(turn, "Erase your data?"))
    buttons = (Button(text(turn, "Yes, erase my data"), f"{NAMESPACE}:forget:{turn.contact.id}"),
               Button(text(turn, "No, keep it"), f"{NAMESPACE}:keep"))
    reply = Reply("\n\n".join(lines), buttons=buttons, language=turn.language)
    return Outcome(turn.state, replies=(reply,))


def _forget_confirmed(turn: Turn, contact_id: str) -> Outcome | None:
    if contact_id != str(turn.contact.id):
        return None  # a button from before an earlier erasure: stale
    if turn.context.get(ERASING):
        return say(turn, "Your data is already being erased; this takes up to a minute.")
    return say(turn, "Erasing your data now. I will confirm here within a minute.",
               state=turn.state.idle(), records=(RequestErasure(),))


def erased_notice(language: str, code: str) -> str:
    """The message sent to the chat once the erasure has run."""
    return gettext(language, "Your data has been erased. Confirmation code: {code}. If you "
                             "write again, we start from a clean slate.", code=code)
