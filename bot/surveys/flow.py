"""The survey conversation, pure: start, answer, branch, skip, go back, cancel, finish.

State lives in :class:`~bot.engine.types.DialogueState` (``flow="survey"``, ``step`` = the
current question id) with these ``data`` keys: ``s`` survey id, ``v`` version, ``r`` response
key, ``a`` answers by question id, ``p`` the questions answered in order (for ``/back``),
``k`` ticks of a multiple-choice question not yet done, ``x`` failed attempts at the current
question, ``h`` hidden fields. Buttons carry ``sv:<survey>:<version[:6]>:<question #>:<token>``
(≤ 64 bytes), so a tap on an earlier question, another survey or an older version is
recognised and never recorded twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.engine.replies import say, text
from bot.engine.types import DialogueState, Outcome, Record, Turn
from bot.i18n import N_, gettext, is_rtl
from bot.messages import Button, Outgoing, Reply
from bot.support.handoff import HIGH, Handoff
from bot.support.handoff_records import TICKET, OpenTicket
from bot.surveys import questions as q
from bot.surveys.check import END, Catalogue
from bot.surveys.model import Ending, FreeText, MultipleChoice, Nps, Question, Rule, Survey, band
from bot.surveys.records import (
    DONE,
    PROMOTER_ASKED,
    FinishResponse,
    PromoterAsked,
    SaveAnswer,
    StartResponse,
    UndoAnswer,
)

FLOW = "survey"
NS = "sv"
"""Button namespace of survey answers."""
START_NS = "svs"
"""Button namespace ``svs:<survey>`` that starts a survey from the /survey list."""
VERSION_CHARS = 6
MAX_ATTEMPTS_NOTE = 2
"""After this many refused answers, remind the respondent of /skip and /cancel."""
Hooks = Callable[[str], list[Callable[..., Any]]]


def _no_hooks(_name: str) -> list[Callable[..., Any]]:
    return []


@dataclass(frozen=True, slots=True)
class Surveys:
    """Runs the surveys of ``catalogue``; ``hooks`` is ``registry.hooks_for``."""

    catalogue: Catalogue
    handoff: Handoff | None = None
    hooks: Hooks = field(default=_no_hooks)

    # Entry points -------------------------------------------------------------------------

    def survey_command(self, turn: Turn, args: str) -> Outcome:
        """``/survey <id>``; without an id, the surveys one can take."""
        survey_id = args.strip().split(" ")[0][:64].lower() if args.strip() else ""
        if not survey_id:
            return self.listing(turn)
        return self.start(turn, survey_id, source=None, campaign=None)

    def start_link(self, turn: Turn, rest: str) -> Outcome:
        """A deep link ``survey-<id>[-<source>[-<campaign>]]`` (``rest`` is after ``survey-``)."""
        survey_id, _, tail = rest.partition("-")
        source, _, campaign = tail.partition("-")
        return self.start(turn, survey_id.lower(), source=source or None,
                          campaign=campaign or None)

    def start_button(self, turn: Turn) -> Outcome | None:
        """``svs:<id>``: a survey chosen from the /survey list."""
        survey_id = (turn.message.payload or "").partition(":")[2]
        return self.start(turn, survey_id, source=None, campaign=None) if survey_id else None

    def listing(self, turn: Turn) -> Outcome:
        """The open surveys a contact may start themselves (not the after-ticket ones)."""
        open_ones = [s for s in self.catalogue.surveys.values()
                     if s.status == "open" and not s.after_ticket]
        if not open_ones:
            return say(turn, "There are no surveys to take right now. Thank you for your "
                             "interest!")
        buttons = tuple(Button(s.title.get(turn.language, s.default_language)[0],
                               f"{START_NS}:{s.id}") for s in open_ones)
        return say(turn, "Which survey would you like to take?", buttons=buttons)

    def start(self, turn: Turn, survey_id: str, *, source: str | None,
              campaign: str | None) -> Outcome:
        """Begin (or resume) ``survey_id`` for this contact."""
        survey = self.catalogue.get(survey_id)
        if survey is None:
            return say(turn, "I could not find a survey called “{name}”. Send /survey to see "
                             "the surveys you can take.", name=survey_id[:40])
        title = survey.title.get(turn.language, survey.default_language)[0]
        if survey.status == "closed":
            return say(turn, "The survey “{title}” is closed now. Thank you for your "
                             "interest!", title=title)
        if turn.context.get(TICKET) is not None:
            return say(turn, "You have an open conversation with our team. Let's finish it "
                             "first; the survey can wait.")
        if turn.state.flow == FLOW:
            running = self.catalogue.get(str(turn.state.data.get("s")))
            if running is not None and running.id == survey.id:
                return self._again(turn, running, N_("Welcome back! Let's continue where you "
                                                  "left off."))
            if running is not None:
                return self._again(turn, running, N_("You are in the middle of another survey. "
                                                  "Please finish it first, or send /cancel to "
                                                  "stop it."))
        if not survey.repeatable and survey.id in turn.needs(DONE, frozenset()):
            return say(turn, "You have already answered “{title}”. Thank you!", title=title,
                       state=turn.state.idle() if turn.state.flow == FLOW else turn.state)
        return self._begin(turn, survey, source, campaign)

    def _begin(self, turn: Turn, survey: Survey, source: str | None,
               campaign: str | None) -> Outcome:
        key = hashlib.sha256(f"{turn.contact.id}:{survey.id}:{turn.message.channel}:"
                             f"{turn.message.update_id}:{turn.now.isoformat()}".encode()
                             ).hexdigest()[:24]
        source = source or turn.contact.source
        hidden = {"source": source or "", "campaign": campaign or ""}
        first = survey.questions[0]
        state = DialogueState(FLOW, first.id, {"s": survey.id, "v": survey.version, "r": key,
                                               "a": {}, "p": [], "k": [], "x": 0,
                                               "h": hidden})
        started = StartResponse(key, survey.id, survey.version, turn.language,
                                turn.message.channel, source, campaign, hidden, first.id)
        title = survey.title.get(turn.language, survey.default_language)[0]
        lines = [title]
        if survey.intro is not None:
            lines.append(q.pipe(survey.intro.get(turn.language, survey.default_language)[0],
                                hidden))
        mark = "\u200e" if is_rtl(turn.language) else ""
        lines.append(text(turn, "{count} questions. You can answer with the buttons or type; "
                                "{mark}/back changes the last answer, {mark}/cancel stops.",
                          count=len(survey.questions), mark=mark))
        intro = Reply("\n".join(lines), language=turn.language)
        ask = self._ask(turn, survey, first, state)
        return Outcome(state, replies=(intro, ask), records=(started,))

    # Answers ------------------------------------------------------------------------------

    def on_button(self, turn: Turn) -> Outcome | None:
        """``sv:<survey>:<version>:<question #>:<token>``."""
        parts = (turn.message.payload or "").split(":")
        if len(parts) != 5:
            return None
        _, survey_id, version, number, token = parts
        survey = self.catalogue.get(survey_id)
        if survey is None:
            return say(turn, "That survey is no longer available. Thank you!")
        if number == "p":
            return say(turn, "Okay, thank you!") if token == "n" else None
        data = turn.state.data
        if turn.state.flow != FLOW or data.get("s") != survey_id:
            if turn.state.flow == FLOW:
                running = self.catalogue.get(str(data.get("s")))
                if running is not None:
                    return self._again(turn, running, N_("That button belongs to another survey. "
                                                      "Here is your current question:"))
            title = survey.title.get(turn.language, survey.default_language)[0]
            if survey.id in turn.needs(DONE, frozenset()):
                return say(turn, "You have already answered “{title}”. Thank you!", title=title)
            return say(turn, "That survey is not running any more. Send /survey {name} to "
                             "start it again.", name=survey.id)
        current = self._sync(turn, survey)
        if isinstance(current, Outcome):
            return current
        survey, question, state = current
        if version != survey.version[:VERSION_CHARS]:
            return self._again(turn, survey, N_("This survey has been updated since that message. "
                                             "Here is your current question:"), state)
        if not number.isdigit() or int(number) != survey.index(question.id):
            return self._again(turn, survey, N_("You have already answered that question. Here "
                                             "is the current one:"), state)
        result = q.parse_button(question, token, tuple(state.data.get("k", ())))
        if result is None:
            return self._again(turn, survey, N_("That button is no longer active. Here is the "
                                             "current question:"), state)
        return self._result(turn, survey, question, state, result)

    def on_text(self, turn: Turn) -> Outcome | None:
        """A typed answer to the current question."""
        survey = self.catalogue.get(str(turn.state.data.get("s")))
        if survey is None:
            return say(turn, "That survey is no longer available. Thank you!",
                       state=turn.state.idle())
        current = self._sync(turn, survey)
        if isinstance(current, Outcome):
            return current
        survey, question, state = current
        result = q.parse_text(question, turn.text, turn.language, survey.default_language,
                              tuple(state.data.get("k", ())))
        return self._result(turn, survey, question, state, result)

    def skip_command(self, turn: Turn, _args: str) -> Outcome:
        """``/skip``: pass over an optional question."""
        current = self._current(turn)
        if current is None:
            return say(turn, "There is nothing to skip right now.")
        if isinstance(current, Outcome):
            return current
        survey, question, state = current
        if question.required:
            return self._again(turn, survey, N_("This question needs an answer, sorry."), state)
        return self._accept(turn, survey, question, state, q.Answer(None))

    def back_command(self, turn: Turn, _args: str) -> Outcome:
        """``/back``: answer the previous question again."""
        current = self._current(turn)
        if current is None:
            return say(turn, "There is nothing to go back to right now.")
        if isinstance(current, Outcome):
            return current
        survey, _question, state = current
        path = list(state.data.get("p", ()))
        previous = survey.question(path[-1]) if path else None
        if previous is None:
            return self._again(turn, survey, N_("This is the first question."), state)
        answers = {k: v for k, v in dict(state.data.get("a", {})).items() if k != previous.id}
        moved = DialogueState(FLOW, previous.id, {**state.data, "a": answers, "p": path[:-1],
                                                  "k": [], "x": 0})
        undo = UndoAnswer(str(state.data["r"]), previous.id)
        return Outcome(moved, replies=(self._ask(turn, survey, previous, moved),),
                       records=(undo,))

    def cancel_command(self, turn: Turn, args: str,
                       fallback: Callable[[Turn, str], Outcome] | None = None) -> Outcome:
        """``/cancel`` inside a survey stops it (answers so far are kept); else ``fallback``."""
        if turn.state.flow != FLOW:
            if fallback is not None:
                return fallback(turn, args)
            return say(turn, "There is nothing to cancel. Ask me anything.")
        key = str(turn.state.data.get("r", ""))
        return say(turn, "The survey is stopped. Thank you for the answers you gave; they help "
                         "us.", state=turn.state.idle(),
                   records=(FinishResponse(key, "cancelled"),) if key else ())

    # Inside -------------------------------------------------------------------------------

    def _current(self, turn: Turn) -> tuple[Survey, Question, DialogueState] | Outcome | None:
        if turn.state.flow != FLOW:
            return None
        survey = self.catalogue.get(str(turn.state.data.get("s")))
        if survey is None:
            return say(turn, "That survey is no longer available. Thank you!",
                       state=turn.state.idle())
        return self._sync(turn, survey)

    def _sync(self, turn: Turn, survey: Survey
              ) -> tuple[Survey, Question, DialogueState] | Outcome:
        """The current question; after a survey changed mid-response, the same question id
        (or the first not yet answered) of the new version."""
        state = turn.state
        if state.data.get("v") == survey.version:
            question = survey.question(state.step or "")
            if question is not None:
                return survey, question, state
        answers = dict(state.data.get("a", {}))
        question = survey.question(state.step or "") or next(
            (x for x in survey.questions if x.id not in answers), None)
        if question is None:
            return self._finish(turn, survey, None, state)
        state = DialogueState(FLOW, question.id, {**state.data, "v": survey.version,
                                                  "k": [], "x": 0})
        return survey, question, state

    def _result(self, turn: Turn, survey: Survey, question: Question, state: DialogueState,
                result: q.Answer | q.Toggle | q.Invalid) -> Outcome:
        if isinstance(result, q.Toggle):
            ticked = state.at(state.step, k=list(result.picked))
            return Outcome(ticked, replies=(self._ask(turn, survey, question, ticked),))
        if isinstance(result, q.Invalid):
            attempts = int(state.data.get("x", 0)) + 1
            note = result.text(turn.language)
            if attempts >= MAX_ATTEMPTS_NOTE:
                mark = "\u200e" if is_rtl(turn.language) else ""
                note += " " + (text(turn, "You can also send {mark}/skip or {mark}/cancel.",
                                    mark=mark) if not question.required else
                               text(turn, "You can also send {mark}/cancel to stop.", mark=mark))
            retry = state.at(state.step, x=attempts)
            return Outcome(retry, replies=(Reply(note, language=turn.language),
                                           self._ask(turn, survey, question, retry)))
        return self._accept(turn, survey, question, state, result)

    def _accept(self, turn: Turn, survey: Survey, question: Question, state: DialogueState,
                answer: q.Answer) -> Outcome:
        answers = {**dict(state.data.get("a", {})), question.id: answer.value}
        path = [*state.data.get("p", ()), question.id]
        target = next_step(survey, question, answers)
        following = survey.question(target)
        record = SaveAnswer(str(state.data["r"]), survey.id, survey.version, question.id,
                            question.type, self._question_text(turn, survey, question, state),
                            answer.value, answer.option_ids, answer.value is None,
                            following.id if following else None)
        extra: tuple[Record, ...] = ()
        if isinstance(question, FreeText) and question.feedback and answer.value:
            for hook in self.hooks("survey.free_text"):
                extra += tuple(hook(turn, survey.id, question.id, str(answer.value),
                                    record.key))
        moved = DialogueState(FLOW, target, {**state.data, "a": answers, "p": path, "k": [],
                                             "x": 0})
        if following is None:
            done = self._finish(turn, survey, target, moved)
            return replace(done, records=(record, *extra, *done.records))
        return Outcome(moved, replies=(self._ask(turn, survey, following, moved),),
                       records=(record, *extra))

    def _finish(self, turn: Turn, survey: Survey, target: str | None,
                state: DialogueState) -> Outcome:
        ending = survey.ending(target or "") or None
        answers: Mapping[str, Any] = state.data.get("a", {})
        key = str(state.data.get("r", ""))
        nps = _nps(survey, answers)
        status = "screened_out" if ending is not None and ending.screen_out else "completed"
        records: list[Record] = [FinishResponse(key, status, ending.id if ending else END, nps)]
        replies = [Reply(self._ending_text(turn, survey, ending, state), language=turn.language)]
        sends: tuple[Outgoing, ...] = ()
        if nps is not None and band(nps) == "detractor" and survey.detractor_ticket:
            opened = self._detractor_ticket(turn, survey, answers)
            if opened is not None:
                ticket = next(r for r in opened.records if isinstance(r, OpenTicket))
                records += opened.records
                sends = opened.sends
                replies.append(Reply(text(turn, "We are sorry we let you down. I have passed "
                                                "your answers to our team (ticket #{ref}); "
                                                "they will write to you right here.",
                                          ref=ticket.ref), language=turn.language))
        elif nps is not None and band(nps) == "promoter" and survey.promoter_question \
                and not turn.needs(PROMOTER_ASKED, False):
            offers = self._promoter_buttons(turn, survey)
            if offers:
                no = Button(text(turn, "No, thanks"),
                            f"{NS}:{survey.id}:{survey.version[:VERSION_CHARS]}:p:n")
                replies.append(Reply(text(turn, "Thank you for the high score! Would you "
                                                "recommend us to your friends, or help us test "
                                                "new things early?"),
                                     buttons=(*offers, no), language=turn.language))
                records.append(PromoterAsked(key))
        return Outcome(turn.state.idle(), replies=tuple(replies), sends=sends,
                       records=tuple(records))

    def _promoter_buttons(self, turn: Turn, survey: Survey) -> tuple[Button, ...]:
        found: list[Button] = []
        for hook in self.hooks("survey.promoter"):
            found += list(hook(turn, survey.id))
        return tuple(found)

    def _detractor_ticket(self, turn: Turn, survey: Survey,
                          answers: Mapping[str, Any]) -> Outcome | None:
        if self.handoff is None or turn.context.get(TICKET) is not None:
            return None
        summary = "\n".join(
            f"{question.id}: {q.shown(question, answers[question.id], 'en', 'en')}"
            for question in survey.questions if question.id in answers)
        body = f"Survey {survey.id} (NPS detractor)\n{summary}"
        context_turn = replace(turn, message=replace(turn.message, text=body))
        return self.handoff.open(context_turn, "survey_detractor", HIGH)

    def _ending_text(self, turn: Turn, survey: Survey, ending: Ending | None,
                     state: DialogueState) -> str:
        if ending is None:
            return text(turn, "Thank you for your answers! They help us a lot.")
        return q.pipe(ending.text.get(turn.language, survey.default_language)[0],
                      self._values(turn, survey, state))

    def _question_text(self, turn: Turn, survey: Survey, question: Question,
                       state: DialogueState) -> str:
        body = question.text.get(turn.language, survey.default_language)[0]
        return q.pipe(body, self._values(turn, survey, state))

    def _values(self, turn: Turn, survey: Survey, state: DialogueState) -> dict[str, str]:
        values = {k: str(v) for k, v in dict(state.data.get("h", {})).items()}
        for question_id, value in dict(state.data.get("a", {})).items():
            question = survey.question(question_id)
            if question is not None:
                values[question_id] = q.shown(question, value, turn.language,
                                              survey.default_language)
        return values

    def _ask(self, turn: Turn, survey: Survey, question: Question,
             state: DialogueState) -> Reply:
        index = survey.index(question.id)
        prefix = f"{NS}:{survey.id}:{survey.version[:VERSION_CHARS]}:{index}:"
        return q.render(question, turn.language, survey.default_language, prefix=prefix,
                        picked=tuple(state.data.get("k", ())),
                        progress=f"{index + 1}/{len(survey.questions)}",
                        values=self._values(turn, survey, state))

    def _again(self, turn: Turn, survey: Survey, msgid: str,
               state: DialogueState | None = None) -> Outcome:
        """A note and the current question again; nothing is recorded."""
        if state is None:
            current = self._sync(turn, survey)
            if isinstance(current, Outcome):
                return current
            survey, question, state = current
        else:
            question = survey.question(state.step or "") or survey.questions[0]
        return Outcome(state, replies=(Reply(gettext(turn.language, msgid),
                                             language=turn.language),
                                       self._ask(turn, survey, question, state)))


def next_step(survey: Survey, question: Question, answers: Mapping[str, Any]) -> str:
    """The question or ending after ``question``: the first matching rule, else the next
    question in order, else the default ending ``end``."""
    for rule in question.next:
        if matches(rule, question.id, answers):
            return rule.goto
    index = survey.index(question.id)
    return survey.questions[index + 1].id if index + 1 < len(survey.questions) else END


def matches(rule: Rule, here: str, answers: Mapping[str, Any]) -> bool:
    """Whether every condition of ``rule`` holds for the answers so far."""
    value = answers.get(rule.if_ or here)
    if rule.skipped is not None and (value is None) != rule.skipped:
        return False
    if rule.in_:
        chosen = set(value) if isinstance(value, list) else {value}
        if not chosen & set(rule.in_):
            return False
    if rule.min is not None or rule.max is not None or rule.band is not None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        if rule.min is not None and value < rule.min:
            return False
        if rule.max is not None and value > rule.max:
            return False
        if rule.band is not None and band(int(value)) != rule.band:
            return False
    return True


def _nps(survey: Survey, answers: Mapping[str, Any]) -> int | None:
    for question in survey.questions:
        value = answers.get(question.id)
        if isinstance(question, Nps) and isinstance(value, int):
            return value
    return None


def picked_labels(question: MultipleChoice, picked: Sequence[str], language: str,
                  default_language: str) -> list[str]:
    """Labels of the ticked options (for tests and the web chat)."""
    return [q.label(o, language, default_language) for o in question.options if o.id in picked]
