"""How support reads one parse: answer, clarify, admit ignorance, hand over, or small talk."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.config import LANGUAGES
from bot.kb.model import Entry, KnowledgeBase
from nlu.types import Parse

FOREIGN_CONFIDENCE = 0.8
"""A message is in an unsupported language only when the identifier is this sure."""
SMALL_TALK = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "help"})


class Verdict(StrEnum):
    """What support does with a message."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    OUT_OF_SCOPE = "out_of_scope"
    HANDOFF = "handoff"
    COMPLAINT = "complaint"
    SMALL_TALK = "small_talk"
    NO_WORDS = "no_words"
    FOREIGN = "foreign"


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict, the entries it concerns (best first) and the intent behind it."""

    verdict: Verdict
    entries: tuple[Entry, ...] = ()
    intent: str = ""


def decide_support(text: str, parse: Parse, kb: KnowledgeBase) -> Decision:
    """Classify one message; thresholds come from ``kb.policy`` (see docs/support.md)."""
    policy = kb.policy
    if not any(char.isalnum() for char in text):
        return Decision(Verdict.NO_WORDS)
    guess = parse.language
    if guess.code not in LANGUAGES and guess.confidence >= FOREIGN_CONFIDENCE:
        return Decision(Verdict.FOREIGN)
    top = parse.intent
    if top.name == "complaint" or parse.sentiment <= policy.angry_sentiment:
        return Decision(Verdict.COMPLAINT, intent=top.name)
    if parse.out_of_scope:
        return Decision(Verdict.OUT_OF_SCOPE)
    confident = top.confidence >= policy.answer_confidence
    if top.name == "request_human" and confident:
        return Decision(Verdict.HANDOFF, intent=top.name)
    if top.name in SMALL_TALK and confident:
        return Decision(Verdict.SMALL_TALK, intent=top.name)
    entry = kb.by_intent(top.name)
    if entry is not None and confident:
        return Decision(Verdict.ANSWER, (entry,), top.name)
    close = tuple(e for score in parse.ranking if score.confidence >= policy.clarify_confidence
                  and (e := kb.by_intent(score.name)) is not None)
    if close:
        return Decision(Verdict.CLARIFY, close[: policy.clarify_options])
    return Decision(Verdict.OUT_OF_SCOPE)
