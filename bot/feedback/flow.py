"""Feedback capture, pure: /feedback, feedback said in passing, a score, survey answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.engine.replies import reply, text
from bot.engine.types import DialogueState, Outcome, Record, Turn
from bot.feedback.catalog import Catalog
from bot.feedback.classify import CATEGORIES, STRONG_NEGATIVE, Analysis, analyse
from bot.feedback.records import (
    ALBUM,
    DUPLICATE,
    HINTED,
    THEME_HINT,
    AttachFeedback,
    CaptureFeedback,
    ClassifyFeedback,
    ThemeHint,
)
from bot.i18n import N_
from bot.messages import Button, Reply
from bot.support.handoff import HIGH, Handoff
from nlu.langid import identify

FLOW = "feedback"
ANALYSED_CHARS = 4096
"""Longer feedback is stored whole; only its start is read for category and concepts."""
SURE_LANGUAGE = 0.8
RATINGS = range(1, 6)
PRODUCT_BUTTONS = 8
INTERRUPTIBLE = (None, "support")
"""Flows that feedback said in passing may interrupt; a survey or sign-up is never taken over."""
SUPPORT_INTENTS = frozenset({"request_human", "help"})
"""Core intents support answers when sure, whatever feedback's cues say: "hello I need help"
(help, 0.98) was filed as a wish, "need" being a wish cue."""
PRAISE_ALONE = 2.0
"""Cue evidence praise naming no catalogued product needs ("you guys are awesome": 2)..."""
PRAISE_ALONE_WORDS = 3
"""...and words: "great", "awesome" or "great, thanks" acknowledges the last answer (support's
small talk replies); the NLU cannot tell the two apart, as both sound like thanks."""
CATEGORY_TITLES = {
    "bug": N_("🐞 Something is broken"),
    "feature_request": N_("💡 An idea or a wish"),
    "praise": N_("👍 Praise"),
    "complaint": N_("😠 A complaint"),
    "question": N_("❓ A question"),
}
NEXT_STEPS = {
    "bug": N_("Thank you for telling us! I have passed it to the team that fixes such "
              "problems; they look at every report."),
    "feature_request": N_("Thank you for the idea! Our product team reads every wish and counts "
                          "the same ones together to decide what to build next."),
    "praise": N_("Thank you, that is lovely to hear! I have passed your words on to the team."),
}
DEFAULT_NEXT = N_("Thank you! I have passed this to our team; they read every message.")
OTHERS = N_("People who asked for this before you: {count}. Your voice is counted too.")


@dataclass(frozen=True, slots=True)
class Feedback:
    """Files feedback with the ``catalog``'s products; strong complaints go to ``handoff``."""

    catalog: Catalog
    handoff: Handoff

    def command(self, turn: Turn, args: str) -> Outcome:
        """``/feedback [text]``: file the text, or ask for it (with a score to tap)."""
        prev = _previous(turn.state)
        if args.strip():
            return self.file(turn, args.strip(), "command", prev=prev)
        buttons = tuple(Button("⭐" * n, f"fb:rate:{n}") for n in RATINGS)
        return Outcome(DialogueState(FLOW, "await", {"prev": prev}), replies=(reply(
            turn, "What would you like to tell us? An idea, something that broke, praise or a "
                  "complaint: write it in one message. You can also rate us first.",
            buttons=buttons),))

    def pending(self, turn: Turn) -> Outcome | None:
        """The text /feedback (or a score) asked for; runs even while a ticket is open."""
        if turn.state.flow != FLOW or turn.state.step != "await" or not turn.text:
            return None
        data = turn.state.data
        rating = data.get("rating")
        return self.file(turn, turn.text, "rating" if rating else "command",
                         prev=data.get("prev"), key=data.get("key"),
                         rating=int(rating) if rating else None)

    def detect(self, turn: Turn) -> Outcome | None:
        """Feedback said in passing (a wish, a bug, praise of a product); questions are left."""
        if (turn.state.flow not in INTERRUPTIBLE or turn.message.chat_type != "private"
                or not any(ch.isalpha() for ch in turn.text)):
            return None
        found = self.analysis(turn, turn.text)
        if found.category not in ("feature_request", "bug", "praise") or found.signal < 1:
            return None
        if found.category == "praise" and found.product is None and not _brand_praise(turn, found):
            return None  # "great, thanks" is small talk, not product feedback
        if _for_support(turn, found):
            return None
        return self.file(turn, turn.text, "detected", prev=None, found=found)

    def analysis(self, turn: Turn, body: str) -> Analysis:
        """What ``body`` is; the NLU's sentiment when it parsed this very text."""
        parsed = turn.parse.sentiment if turn.parse and turn.parse.text == body else None
        return analyse(body[:ANALYSED_CHARS], _language(turn, body), self.catalog, parsed)

    def file(self, turn: Turn, body: str, origin: str, *, prev: Mapping[str, Any] | None,
             key: str | None = None, rating: int | None = None,
             found: Analysis | None = None) -> Outcome:
        """Store the item now (nothing is lost), then ask one follow-up or say what is next."""
        if key is None and turn.needs(DUPLICATE, False):
            return _done(turn, prev, (reply(turn, "You already told us this, thank you: it is "
                                                  "counted once."),), ())
        found = found or self.analysis(turn, body)
        category = found.category or _from_rating(rating)
        key = key or _key(turn)
        record = CaptureFeedback(
            key, body, _language(turn, body), turn.message.channel, origin, category,
            found.product, found.sentiment, tuple(found.concepts.items()), rating,
            attachments=turn.message.attachments)
        urgent = category == "complaint" and found.sentiment <= STRONG_NEGATIVE
        if not urgent and (category is None or (
                category in ("bug", "complaint", "feature_request") and found.product is None
                and self.catalog.items and origin != "detected")):
            return self._follow_up(turn, record, prev)
        outcome = _done(turn, prev, (self._next_steps(turn, category, body),), (record,))
        if urgent:  # an angry customer gets a person now, not a product question
            ticket = self.handoff.open(turn, "complaint", HIGH)
            return Outcome(outcome.state, (*outcome.replies, *ticket.replies), ticket.sends,
                           (*outcome.records, *ticket.records))
        return outcome

    def rate(self, turn: Turn, score: int) -> Outcome:
        """A tapped score is filed at once; the reason, if they write one, is added to it."""
        data = turn.state.data if turn.state.flow == FLOW else {}
        key = str(data.get("key") or _key(turn))
        record = CaptureFeedback(key, "", turn.language, turn.message.channel, "rating",
                                 _from_rating(score), None, (score - 3) / 2, (), score)
        state = DialogueState(FLOW, "await", {"prev": data.get("prev"), "key": key,
                                              "rating": score})
        return Outcome(state, replies=(reply(turn, "Thank you for your score! What is the main "
                                                   "reason for it?"),), records=(record,))

    def button(self, turn: Turn) -> Outcome | None:
        """``fb:rate:<n>``, ``fb:cat:<category>`` and ``fb:prod:<id>``; stale ones are refused."""
        _, kind, value = [*(turn.message.payload or "").split(":", 2), "", ""][:3]
        if kind == "rate" and value.isdigit() and int(value) in RATINGS:
            return self.rate(turn, int(value))
        data = turn.state.data
        if turn.state.flow != FLOW or turn.state.step != "classify" or not data.get("key"):
            return None
        if kind == "cat" and value in CATEGORIES:
            record = ClassifyFeedback(str(data["key"]), category=value)
            category = value
        elif kind == "prod" and (value in self.catalog.items or value == "other"):
            record = ClassifyFeedback(str(data["key"]), product=value)
            category = str(data.get("category") or "")
        else:
            return None
        return _done(turn, data.get("prev"), (self._next_steps(turn, category, ""),), (record,))

    def attach(self, turn: Turn) -> Outcome | None:
        """Photos or files without text go with the feedback being given; else not ours."""
        found, data = turn.message.attachments, turn.state.data
        if album := turn.context.get(ALBUM):  # the rest of an album already filed: no replies
            return Outcome(turn.state, records=(AttachFeedback(str(album), found),))
        if turn.state.flow != FLOW:
            return None
        if turn.state.step == "classify" and data.get("key"):
            return Outcome(turn.state, replies=(
                reply(turn, "Thank you, I have added it to your message."),
                self._question(turn, data.get("category"))),
                records=(AttachFeedback(str(data["key"]), found),))
        return _attach_while_waiting(turn) if turn.state.step == "await" else None

    def survey_answer(self, turn: Turn, survey_id: str, question_id: str, body: str,
                      response: str | None = None) -> tuple[Record, ...]:
        """A free-text survey answer marked as feedback: the record to file (no reply).

        ``response`` is the key of the survey response the answer belongs to (surveys pass
        it, so feedback never reads the survey's private state)."""
        if not body.strip():
            return ()
        found = self.analysis(turn, body)
        return (CaptureFeedback(
            f"survey:{turn.message.channel}:{turn.message.update_id}:{question_id}"[:200], body,
            _language(turn, body), turn.message.channel, "survey", found.category,
            found.product, found.sentiment, tuple(found.concepts.items()),
            survey_id=survey_id[:64], survey_question=question_id[:64],
            survey_response=response[:64] if response else None,
            attachments=turn.message.attachments),)

    def _follow_up(self, turn: Turn, record: CaptureFeedback, prev: Mapping[str, Any] | None
                   ) -> Outcome:
        data = {"prev": prev, "key": record.key, "category": record.category}
        state = DialogueState(FLOW, "classify", data)
        return Outcome(state, replies=(self._question(turn, record.category),),
                       records=(record,))

    def _question(self, turn: Turn, category: str | None) -> Reply:
        """The one follow-up: the category when unknown, else the product."""
        if category is None:
            buttons = tuple(Button(text(turn, title), f"fb:cat:{category}")
                            for category, title in CATEGORY_TITLES.items())
            return reply(turn, "Thank you! So that I file it correctly: what is it?",
                         buttons=buttons)
        items = list(self.catalog.items.values())[:PRODUCT_BUTTONS]
        buttons = (*(Button(i.title(turn.language), f"fb:prod:{i.id}") for i in items),
                   Button(text(turn, "Something else"), "fb:prod:other"))
        return reply(turn, "Thank you! Which product or part of our service is it about?",
                     buttons=buttons)

    def _next_steps(self, turn: Turn, category: str | None, body: str) -> Reply:
        said = text(turn, NEXT_STEPS.get(category or "", DEFAULT_NEXT))
        hint: ThemeHint | None = turn.needs(THEME_HINT) if body and category in HINTED \
            else None
        if hint is not None and hint.others > 0:
            said = f"{said}\n\n{text(turn, OTHERS, count=hint.others)}"
        return Reply(said, language=turn.language)


def _attach_while_waiting(turn: Turn) -> Outcome:
    """After /feedback (or a score): file the photo now; the words that follow update the item.

    A photo alone is feedback too, and nothing is lost if the customer never writes."""
    found, known = turn.message.attachments, turn.state.data.get("key")
    key = str(known or _key(turn))
    record: Record = AttachFeedback(key, found) if known else CaptureFeedback(
        key, "", turn.language, turn.message.channel, "command", None, None, 0.0,
        attachments=found)
    return Outcome(turn.state.at("await", key=key), records=(record,), replies=(reply(
        turn, "Thank you, I have attached it. Please also tell us in a few words what it is "
              "about."),))


def _for_support(turn: Turn, found: Analysis) -> bool:
    """Messages support must answer or hand over: known questions, asks for a person, anger.

    The support model has no feedback intent, so it calls a calm wish a "complaint"; only a
    defect report or a negative message with that intent is left to support's handover.
    """
    parse = turn.parse
    if parse is None:
        return False
    intent = parse.intent
    sure = intent.confidence >= 0.6
    if parse.sentiment <= STRONG_NEGATIVE or (sure and intent.name == "request_human"):
        return True
    if _clear_praise(found):
        # A product's name in an answer's examples ("ordered oolong but got sencha") made
        # "love the sencha, amazing" a sure damaged-item question; praise that asks nothing
        # is feedback whatever the FAQ model says.
        return False
    if intent.name == "complaint":
        return found.category == "bug" or found.polarity == "negative"
    return sure and (intent.name.startswith("faq_") or intent.name in SUPPORT_INTENTS)


def _clear_praise(found: Analysis) -> bool:
    """Praise with a warm tone that asks nothing."""
    return found.category == "praise" and found.polarity == "positive" and not found.asks


def _brand_praise(turn: Turn, found: Analysis) -> bool:
    """Clear praise of the shop or of something not in the catalog ("love the new mugs"),
    not a word of thanks for an answer."""
    return (_clear_praise(found) and found.signal >= PRAISE_ALONE
            and len(turn.text.split()) >= PRAISE_ALONE_WORDS)


def _done(turn: Turn, prev: Mapping[str, Any] | None, replies: tuple[Reply, ...],
          records: tuple[Record, ...]) -> Outcome:
    """Back to what the customer was doing before /feedback (a survey goes on)."""
    state = DialogueState(prev["flow"], prev.get("step"), prev.get("data") or {}) \
        if prev else turn.state.idle() if turn.state.flow == FLOW else turn.state
    if prev:
        replies = (*replies, reply(turn, "Now, back to where we were."))
    return Outcome(state, replies=replies, records=records)


def _previous(state: DialogueState) -> dict[str, Any] | None:
    """The flow /feedback interrupts, kept to resume it; support's chat needs no resuming."""
    if state.flow in INTERRUPTIBLE or state.flow == FLOW:
        return None
    return {"flow": state.flow, "step": state.step, "data": dict(state.data)}


def _key(turn: Turn) -> str:
    return f"{turn.message.channel}:{turn.message.update_id}"[:200]


def _language(turn: Turn, body: str) -> str:
    """The language the feedback is written in, if sure (even one we do not speak, or
    ``und`` for a script no model knows); else the customer's language."""
    guess = identify(body[:ANALYSED_CHARS])
    if guess.confidence >= SURE_LANGUAGE or (guess.code == "und" and any(
            ch.isalpha() for ch in body)):
        return guess.code
    return turn.language


def _from_rating(rating: int | None) -> str | None:
    if rating is None:
        return None
    return "praise" if rating >= 4 else "complaint" if rating <= 2 else None
