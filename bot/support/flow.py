"""FAQ support, pure: answer from the knowledge base, clarify, admit ignorance, hand over."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.engine.registry import Registry
from bot.engine.replies import say, text
from bot.engine.types import DialogueState, Outcome, Turn
from bot.flows.basics import LANGUAGE_BUTTONS
from bot.i18n import N_, NATIVE_NAMES
from bot.messages import Button, Reply
from bot.support.decide import Decision, Verdict, decide_support, urgent
from bot.support.handoff import HIGH, Handoff, human_button
from bot.support.handoff_records import RateAnswer
from bot.support.kb.check import load_knowledge_base
from bot.support.kb.model import Entry, KnowledgeBase
from bot.support.scope import Vocabulary

FLOW = "support"
SMALL_TALK_REPLIES = {
    "greet": N_("Hello! Ask me about delivery, returns, payment or anything else about your "
                "order."),
    "goodbye": N_("Goodbye! Write any time."),
    "thanks": N_("You're welcome! Anything else I can help with?"),
    "affirm": N_("Okay. What else can I help you with?"),
    "deny": N_("Okay. What else can I help you with?"),
}
CLARIFY_QUESTIONS = {
    "": N_("I am not sure I understood. Did you mean one of these?"),
    "order": N_("Is this your order number? What would you like to know about the order?"),
    "place": N_("What would you like to know about delivery there?"),
}
"""The question asked back, by what the message was: vague, a bare number, a bare place."""


def register(registry: Registry) -> None:
    """Add FAQ answering and human handoff, configured from the settings and content."""
    from bot.support.handoff_store import register_storage

    settings = registry.settings.get("settings")
    language = settings.default_language if settings else "en"
    kb = load_knowledge_base(settings.content_dir if settings else None, language)
    handoff = Handoff(settings.telegram.operators_chat_id if settings else None, language,
                      kb.policy.response_time, angry_sentiment=kb.policy.angry_sentiment)
    Support(kb, handoff).install(registry)
    register_storage(registry)


@dataclass(frozen=True, slots=True)
class Support:
    """Answers free text from ``kb``; hands the conversation to people through ``handoff``."""

    kb: KnowledgeBase
    handoff: Handoff
    vocabulary: Vocabulary = field(init=False)
    """The knowledge base's word index, built once: rebuilding it per turn cost ~0.5 s of CPU."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "vocabulary", Vocabulary.of(self.kb))

    def install(self, registry: Registry) -> None:
        """Register the pure handlers (storage is registered separately)."""
        registry.text("handoff.operator", self.handoff.operator_message, priority=-20)
        registry.text("handoff.customer", self.handoff.customer_message, priority=-10)
        # Before feedback said in passing (-5): an angry customer is a person's job first.
        registry.text("support.urgent", self.on_urgent, priority=-7)
        registry.flow(FLOW, self.on_text)
        registry.text(FLOW, self.on_text)
        registry.button("faq", self.on_topic)
        registry.button("rate", self.on_rating)
        registry.button("handoff", self.handoff.button)
        registry.command("human", self.handoff.human_command, "talk to a person")
        registry.command("close", self.handoff.close_command, "end the talk with a person")
        registry.command("faq", self.faq_command, "questions I can answer")

    def on_text(self, turn: Turn) -> Outcome | None:
        """Free text: what the NLU understood decides the answer."""
        if turn.parse is None and any(char.isalnum() for char in turn.text):
            return None  # without an NLU the engine's fallback answers
        if turn.parse is None:
            return say(turn, "I can only read words. Please type your question.")
        return self.act(turn, decide_support(turn.text, turn.parse, self.kb, self.vocabulary))

    def on_urgent(self, turn: Turn) -> Outcome | None:
        """Anger, threats, upset about broken goods, asking for a person: a ticket now, even
        where another feature would take the message (only outside surveys and sign-ups)."""
        if turn.parse is None or turn.state.flow not in (None, FLOW):
            return None
        decision = urgent(turn.text, turn.parse, self.kb, self.vocabulary)
        return self.act(turn, decision) if decision is not None else None

    def act(self, turn: Turn, decision: Decision) -> Outcome:
        """Carry out a decision."""
        match decision.verdict:
            case Verdict.ANSWER:
                return self.answer(turn, decision.entries[0])
            case Verdict.CLARIFY:
                return self._clarify(turn, decision.entries, decision.topic)
            case Verdict.DECLINE:
                return self._decline(turn)
            case Verdict.COMPLAINT:
                return self.handoff.open(turn, "complaint", HIGH)
            case Verdict.HANDOFF:
                return self.handoff.open(turn, "request")
            case Verdict.SMALL_TALK:
                return self._small_talk(turn, decision.intent)
            case Verdict.NO_WORDS:
                return say(turn, "I can only read words. Please type your question.")
            case Verdict.FOREIGN:
                return say(turn, "Sorry, I can only write in English, Russian, Persian, "
                                 "Bulgarian and Greek. Please choose one:",
                           buttons=LANGUAGE_BUTTONS)
        return self._miss(turn)

    def answer(self, turn: Turn, entry: Entry) -> Outcome:
        """The entry's answer in the customer's language (or the default one, marked)."""
        local = self.kb.answer(entry, turn.language)
        body = local.text
        if local.fallback:
            note = text(turn, "(This answer is only available in {name}.)",
                        name=NATIVE_NAMES.get(local.language, local.language))
            body = f"{note}\n\n{body}"
        buttons = (Button(text(turn, "👍 Helpful"), f"rate:{entry.id}:yes"),
                   Button(text(turn, "👎 Not helpful"), f"rate:{entry.id}:no"),
                   *self._topic_buttons(turn, entry.related))
        reply = Reply(body, buttons=buttons, links=local.links, language=turn.language,
                      meta={"faq": entry.id})
        return Outcome(DialogueState(FLOW, "answered", {"misses": 0}), replies=(reply,))

    def on_topic(self, turn: Turn) -> Outcome | None:
        """A tapped ``faq:<id>`` button (a clarification choice or a related topic)."""
        entry = self.kb.entries.get((turn.message.payload or "").partition(":")[2])
        return self.answer(turn, entry) if entry else None

    def on_rating(self, turn: Turn) -> Outcome | None:
        """A tapped ``rate:<id>:yes|no`` button under an answer."""
        _, entry_id, verdict = [*(turn.message.payload or "").split(":", 2), "", ""][:3]
        if entry_id not in self.kb.entries or verdict not in ("yes", "no"):
            return None
        record = RateAnswer(entry_id, verdict == "yes", turn.language, turn.message.message_id)
        if record.helpful:
            return say(turn, "Thank you for your feedback!", records=(record,))
        return say(turn, "Sorry that did not help. You can ask in other words, or talk to a "
                         "person.", records=(record,),
                   buttons=(Button(text(turn, "Talk to a person"), "handoff:not_helpful"),))

    def faq_command(self, turn: Turn, _args: str) -> Outcome:
        """``/faq``: the topics."""
        return self.topics(turn)

    def topics(self, turn: Turn) -> Outcome:
        """Every topic the knowledge base covers, as buttons."""
        return say(turn, "Here are the topics I can help with:",
                   buttons=self._topic_buttons(turn, tuple(self.kb.entries)))

    def _clarify(self, turn: Turn, entries: tuple[Entry, ...], topic: str = "") -> Outcome:
        buttons = (*self._topic_buttons(turn, tuple(e.id for e in entries)), human_button(turn))
        state = DialogueState(FLOW, "clarify", {"misses": self._misses(turn)})
        question = CLARIFY_QUESTIONS.get(topic, CLARIFY_QUESTIONS[""])
        return say(turn, question, buttons=buttons, state=state)

    def _decline(self, turn: Turn) -> Outcome:
        """Not the shop's business: say so plainly; it is not a miss (no ticket follows)."""
        return say(turn, "Sorry, I can only help with questions about our shop: orders, "
                         "delivery, returns and payment. If you need something else from "
                         "us, I can pass you to a person.",
                   buttons=(human_button(turn),),
                   state=DialogueState(FLOW, "declined", {"misses": self._misses(turn)}))

    def _miss(self, turn: Turn) -> Outcome:
        misses = self._misses(turn) + 1
        if misses >= self.kb.policy.misses_before_handoff:
            return self.handoff.open(turn, "misses")
        return say(turn, "Sorry, I don't know the answer to that. Could you put it in other "
                         "words? I can also pass you to a person.",
                   buttons=(human_button(turn),),
                   state=DialogueState(FLOW, "missed", {"misses": misses}))

    def _small_talk(self, turn: Turn, intent: str) -> Outcome:
        if intent == "help":
            return self.topics(turn)
        return say(turn, SMALL_TALK_REPLIES[intent],
                   state=DialogueState(FLOW, "idle", {"misses": 0}))

    def _topic_buttons(self, turn: Turn, ids: tuple[str, ...]) -> tuple[Button, ...]:
        entries = (self.kb.entries[i] for i in ids if i in self.kb.entries)
        return tuple(Button(self.kb.title(e, turn.language), f"faq:{e.id}") for e in entries)

    @staticmethod
    def _misses(turn: Turn) -> int:
        return int(turn.state.data.get("misses", 0)) if turn.state.flow == FLOW else 0

