"""Applying to a beta, pure: consent, contact details, the screener, then storage decides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.beta import details
from bot.beta.campaign import Campaign, localized
from bot.beta.records import APPLICATIONS, FLOW, TAKEN, JoinBeta, SubmitApplication
from bot.beta.tables import ACTIVE, INVITED, LEFT, REJECTED
from bot.consent.records import GrantConsent, WithdrawConsent
from bot.consent.rights import private_only
from bot.engine.registry import CommandHandler
from bot.engine.replies import say, text
from bot.engine.types import DialogueState, Outcome, Turn
from bot.i18n import N_, is_rtl
from bot.messages import Button, Reply
from bot.support.handoff_records import TICKET, TicketView
from bot.surveys.model import Question
from bot.surveys.questions import (
    SKIP,
    Answer,
    Invalid,
    Toggle,
    parse_button,
    parse_text,
    render,
)

STATUS_NAMES = {
    "applied": N_("applied"), "accepted": N_("accepted"), "waitlisted": N_("on the waiting list"),
    "rejected": N_("not selected"), "invited": N_("invited"), "active": N_("testing"),
    "left": N_("left"),
}
NS = "beta"
MAX_TRIES = 1
"""Invalid contact details are asked again once, then left out."""


def _mark(turn: Turn) -> str:
    return "\u200e" if is_rtl(turn.language) else ""


@dataclass(frozen=True, slots=True)
class Beta:
    """The beta campaigns this bot runs, and how applying to one goes."""

    campaigns: Mapping[str, Campaign] = field(default_factory=dict)
    default_language: str = "en"

    def _t(self, turn: Turn, texts: Mapping[str, str]) -> str:
        return localized(dict(texts), turn.language, self.default_language)

    def open_campaigns(self, turn: Turn) -> list[Campaign]:
        """Campaigns taking applications now."""
        return [c for c in self.campaigns.values() if c.is_open(turn.now)]

    # Entry points -----------------------------------------------------------------------

    def apply_command(self, turn: Turn, args: str) -> Outcome:
        """``/beta [campaign]``: apply to the one open campaign, or choose among several."""
        if (refused := private_only(turn)) is not None:
            return refused
        if args.strip():
            return self.apply(turn, args.strip().lower(), "command")
        return self._choose(turn, "command")

    def link(self, turn: Turn, rest: str) -> Outcome:
        """Deep link ``beta-<campaign>``."""
        return self.apply(turn, rest.strip().lower(), "link")

    def _choose(self, turn: Turn, via: str) -> Outcome:
        open_now = self.open_campaigns(turn)
        if not open_now:
            return say(turn, "No beta programme is taking applications right now. Thank you "
                             "for your interest!", state=turn.state)
        if len(open_now) == 1:
            return self.apply(turn, open_now[0].id, via)
        buttons = tuple(Button(self._t(turn, c.title), f"{NS}:apply:{c.id}:{via}")
                        for c in open_now)
        return say(turn, "Which beta would you like to join?", buttons=buttons)

    def apply(self, turn: Turn, campaign_id: str, via: str) -> Outcome:
        """Show the campaign and its consent text; nothing is kept until the person agrees."""
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            return say(turn, "I don't know that beta programme. Send /beta to see the open ones.")
        title = self._t(turn, campaign.title)
        status = (turn.context.get(APPLICATIONS) or {}).get(campaign.id)
        if status is not None and status != LEFT:
            return say(turn, "You have already applied to {title}. Your status: {status}.",
                       title=title, status=text(turn, STATUS_NAMES.get(status, status)))
        if not campaign.is_open(turn.now):
            return say(turn, "Applications for {title} are closed. Thank you for your interest!",
                       title=title)
        ticket: TicketView | None = turn.context.get(TICKET)
        if ticket is not None:
            # While a ticket is open, typed text goes to our team, so the answers would too.
            return say(turn, "You are talking with our team right now (request #{ref}). Send "
                             "{close} when you are done, then apply again.", ref=ticket.ref,
                       close=f"{_mark(turn)}/close")
        full = int((turn.context.get(TAKEN) or {}).get(campaign.id, 0)) >= campaign.capacity
        if full and not campaign.waitlist:
            return say(turn, "{title} is full, and there is no waiting list. Thank you for your "
                             "interest!", title=title)
        lines = [f"{title}\n{self._t(turn, campaign.description)}"]
        if full:
            lines.append(text(turn, "All places are taken right now, so if you apply you will "
                                    "join the waiting list."))
        lines += [self._t(turn, campaign.consent.text),
                  text(turn, "Do you agree to this?")]
        buttons = self._consent_buttons(turn, campaign)
        state = DialogueState(FLOW, "consent", {"c": campaign.id, "via": via})
        reply = Reply("\n\n".join(lines), buttons=buttons, language=turn.language)
        return Outcome(state, replies=(reply,))

    @staticmethod
    def _consent_buttons(turn: Turn, campaign: Campaign) -> tuple[Button, ...]:
        return (Button(text(turn, "I agree"), f"{NS}:consent:{campaign.id}:yes"),
                Button(text(turn, "No, thanks"), f"{NS}:consent:{campaign.id}:no"))

    # Buttons ----------------------------------------------------------------------------

    def button(self, turn: Turn) -> Outcome | None:
        """``beta:apply|consent|skip|a|join|promoter:...``; None for a stale or foreign button."""
        parts = (turn.message.payload or "").split(":")
        action, args = (parts[1] if len(parts) > 1 else ""), parts[2:]
        if action == "promoter":
            return self._choose(turn, "promoter")
        if action == "apply" and args:
            return self.apply(turn, args[0], args[1] if len(args) > 1 else "command")
        if action == "join" and args:
            return self._join(turn, args[0])
        campaign = self._current(turn, args[0] if args else "")
        if campaign is None:
            return None
        if action == "consent" and len(args) == 2 and turn.state.step == "consent":
            return self._consent(turn, campaign, args[1] == "yes")
        if action == "skip" and turn.state.step in ("email", "phone"):
            return self._next(turn, campaign, turn.state.step, None)
        if action == "a" and len(args) == 3 and args[1].isdigit():
            question = self._asked(turn, campaign, int(args[1]))
            if question is not None:
                result = parse_button(question, args[2], self._picked(turn))
                return None if result is None else self._result(turn, campaign, question, result)
        return None

    @staticmethod
    def _asked(turn: Turn, campaign: Campaign, index: int) -> Question | None:
        """The question at ``index`` if it is the one being asked (else the button is stale)."""
        if index >= len(campaign.questions):
            return None
        question = campaign.questions[index]
        return question if turn.state.step == f"q:{question.id}" else None

    @staticmethod
    def _picked(turn: Turn) -> tuple[str, ...]:
        return tuple(turn.state.data.get("picked") or ())

    def _result(self, turn: Turn, campaign: Campaign, question: Question,
                result: Answer | Toggle | Invalid) -> Outcome:
        """Go on after an answer, show the new ticks, or ask again with the reason."""
        if isinstance(result, Invalid):
            return self._reask(turn, campaign, result.text(turn.language))
        if isinstance(result, Toggle):
            state = turn.state.at(turn.state.step, picked=list(result.picked))
            again = self._ask(Turn(turn.message, turn.contact, state, turn.now, turn.parse,
                                   turn.context), campaign, turn.state.step, state.data)
            return Outcome(state, again.replies)
        return self._answered(turn, campaign, question, result.value)

    def _current(self, turn: Turn, campaign_id: str) -> Campaign | None:
        """The campaign being applied to, if the button belongs to this application."""
        if turn.state.flow != FLOW or turn.state.data.get("c") != campaign_id:
            return None
        return self.campaigns.get(campaign_id)

    def _consent(self, turn: Turn, campaign: Campaign, agreed: bool) -> Outcome:
        version = campaign.consent_version
        if not agreed:
            return say(turn, "No problem. We kept nothing about you except that you said no. "
                             "You can apply later with {beta}.", state=turn.state.idle(),
                       records=(WithdrawConsent("beta", "decline", version),),
                       beta=f"{_mark(turn)}/beta")
        outcome = self._ask(turn, campaign, self._after(campaign, "consent"))
        return Outcome(outcome.state, outcome.replies,
                       records=(GrantConsent("beta", version),))

    def _join(self, turn: Turn, campaign_id: str) -> Outcome | None:
        status = (turn.context.get(APPLICATIONS) or {}).get(campaign_id)
        campaign = self.campaigns.get(campaign_id)
        if campaign is None or status not in (INVITED, ACTIVE):
            return None
        title = self._t(turn, campaign.title)
        if status == ACTIVE:
            return say(turn, "You are already testing {title}. Thank you!", title=title)
        return say(turn, "Wonderful, welcome to {title}! Tell us what you think right here "
                         "whenever you like.", records=(JoinBeta(campaign_id),), title=title)

    # Steps ------------------------------------------------------------------------------

    def _steps(self, campaign: Campaign) -> list[str]:
        return ["consent", *campaign.contact, *(f"q:{q.id}" for q in campaign.questions)]

    def _after(self, campaign: Campaign, step: str) -> str | None:
        steps = self._steps(campaign)
        index = steps.index(step) + 1 if step in steps else len(steps)
        return steps[index] if index < len(steps) else None

    def _ask(self, turn: Turn, campaign: Campaign, step: str | None,
             data: Mapping[str, Any] | None = None, note: str = "") -> Outcome:
        data = {**turn.state.data, **(data or {}), "tries": 0}
        if step is None:
            return self._submit(turn, campaign, data, note)
        state = DialogueState(FLOW, step, data)
        skip = Button(text(turn, "Skip"), f"{NS}:skip:{campaign.id}")
        buttons: tuple[Button, ...]
        share = ""
        if step == "consent":
            body = "\n\n".join([self._t(turn, campaign.consent.text),
                                 text(turn, "Do you agree to this?")])
            buttons = self._consent_buttons(turn, campaign)
        elif step == "email":
            body, buttons = text(turn, "What e-mail address can we reach you at?"), (skip,)
        elif step == "phone":
            body, buttons = (text(turn, "And a phone number, with the country code (for the "
                                        "delivery)?"), (skip,))
            # Telegram can share the account's own number with one tap; typing still works.
            if turn.contact.channel == "telegram":
                share = text(turn, "Share my phone number")
        else:
            question = campaign.question(step[2:])
            assert question is not None  # steps come from the campaign's own questions
            body, buttons = self._question(turn, campaign, question,
                                           tuple(data.get("picked") or ()))
        reply = Reply(f"{note}\n\n{body}" if note else body, buttons=buttons,
                      language=turn.language, request_contact=share)
        return Outcome(state, replies=(reply,))

    def _question(self, turn: Turn, campaign: Campaign, question: Question,
                  picked: tuple[str, ...]) -> tuple[str, tuple[Button, ...]]:
        index = campaign.index(question.id)
        shown = render(question, turn.language, self.default_language,
                       prefix=f"{NS}:a:{campaign.id}:{index}:", picked=picked,
                       progress=f"{index + 1}/{len(campaign.questions)}")
        return shown.text, shown.buttons

    def flow(self, turn: Turn) -> Outcome | None:
        """Typed text during an application."""
        campaign = self.campaigns.get(str(turn.state.data.get("c", "")))
        step = str(turn.state.step or "")
        if campaign is None:
            return say(turn, "That beta programme is no longer available.",
                       state=turn.state.idle())
        if step == "consent":
            return self._reask(turn, campaign, text(turn, "Please tap “I agree” or “No, "
                                                          "thanks”."))
        if step in ("email", "phone"):
            return self._detail(turn, campaign, step)
        question = campaign.question(step[2:]) if step.startswith("q:") else None
        if question is None:
            return say(turn, "Something went wrong with your application; please start again "
                             "with {beta}.", state=turn.state.idle(), beta=f"{_mark(turn)}/beta")
        return self._typed_answer(turn, campaign, question)

    def _reask(self, turn: Turn, campaign: Campaign, reason: str) -> Outcome:
        again = self._ask(turn, campaign, turn.state.step, turn.state.data, note=reason)
        return Outcome(turn.state, again.replies)

    def _detail(self, turn: Turn, campaign: Campaign, step: str) -> Outcome:
        # Telegram's contact keyboard turns "Skip" into a plain key that sends its title.
        if turn.text.strip() == text(turn, "Skip"):
            return self._next(turn, campaign, step, None)
        value = details.email(turn.text) if step == "email" else details.phone(turn.text)
        if value is not None:
            return self._next(turn, campaign, step, value)
        problem = details.BAD_EMAIL if step == "email" else details.BAD_PHONE
        reason = text(turn, problem)
        tries = int(turn.state.data.get("tries", 0))
        if tries < MAX_TRIES:
            outcome = self._reask(turn, campaign, reason)
            return Outcome(turn.state.at(step, tries=tries + 1), outcome.replies)
        note = text(turn, "I will leave it out; you can still apply without it.")
        return self._next(turn, campaign, step, None, note=f"{reason} {note}")

    def _next(self, turn: Turn, campaign: Campaign, step: str, value: str | None,
              note: str = "") -> Outcome:
        return self._ask(turn, campaign, self._after(campaign, step), {step: value}, note)

    def _typed_answer(self, turn: Turn, campaign: Campaign, question: Question) -> Outcome:
        result = parse_text(question, turn.text, turn.language, self.default_language,
                            self._picked(turn))
        return self._result(turn, campaign, question, result)

    def _answered(self, turn: Turn, campaign: Campaign, question: Question,
                  value: Any) -> Outcome:
        answers = {**dict(turn.state.data.get("answers") or {}), question.id: value}
        return self._ask(turn, campaign, self._after(campaign, f"q:{question.id}"),
                         {"answers": answers, "picked": []})

    def _submit(self, turn: Turn, campaign: Campaign, data: Mapping[str, Any],
                note: str) -> Outcome:
        record = SubmitApplication(
            campaign.id, campaign.consent_version, str(data.get("via") or "command"),
            turn.message.channel, turn.message.chat_id, turn.message.account, turn.language,
            data.get("email"), data.get("phone"), dict(data.get("answers") or {}), note)
        # The decision (rules, capacity) is taken in storage, which also sends the answer.
        return Outcome(turn.state.idle(), records=(record,))

    def skip_command(self, turn: Turn, args: str, fallback: CommandHandler | None) -> Outcome:
        """``/skip`` during an application skips a detail or an optional question."""
        campaign = self._current(turn, str(turn.state.data.get("c", "")))
        step = str(turn.state.step or "")
        if campaign is not None and step in ("email", "phone"):
            return self._next(turn, campaign, step, None)
        question = campaign.question(step[2:]) if campaign and step.startswith("q:") else None
        if campaign is not None and question is not None:
            result = parse_button(question, SKIP)
            if result is None:
                return self._reask(turn, campaign, text(turn, "This question needs an answer, "
                                                              "sorry."))
            return self._result(turn, campaign, question, result)
        if fallback is not None:
            return fallback(turn, args)
        return say(turn, "There is nothing to skip right now.")

    def leave(self, turn: Turn, _args: str = "") -> Outcome:
        """``/leave_beta``: leave every beta; the beta consent is withdrawn."""
        if (refused := private_only(turn)) is not None:
            return refused
        current = [cid for cid, status in (turn.context.get(APPLICATIONS) or {}).items()
                   if status not in (LEFT, REJECTED)]
        if not current:
            return say(turn, "You are not taking part in any beta programme.",
                       state=turn.state.idle() if turn.state.flow == FLOW else turn.state)
        titles = ", ".join(self._t(turn, self.campaigns[c].title) if c in self.campaigns else c
                           for c in current)
        return say(turn, "You have left: {titles}. We removed your contact details and will not "
                         "send you beta invitations any more.", titles=titles,
                   state=turn.state.idle() if turn.state.flow == FLOW else turn.state,
                   records=(WithdrawConsent("beta"),))
