"""How support reads one parse: answer, clarify, admit ignorance, hand over, or small talk."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.config import LANGUAGES
from bot.latin_language import guess_latin, refine, share_of_words, unsupported_latin
from bot.support.anger import describes_damage, read_anger
from bot.support.kb.model import Entry, KnowledgeBase
from bot.support.scope import Reading, Vocabulary, read
from nlu.langid import UNDETERMINED
from nlu.sentiment import POSITIVE
from nlu.text import normalize
from nlu.types import Parse

FOREIGN_CONFIDENCE = 0.8
"""A message is in an unsupported language only when the identifier is this sure."""
FOREIGN_LETTERS = frozenset("іїєґўђћџљњјѓќѕәғқңөұүһßäöüñ¿¡łąęśźżćńřěůğışăţțșãõœ")
"""Letters of languages the bot does not write (Ukrainian, Serbian, Kazakh, German, Spanish,
Polish, Czech, Turkish, Romanian, Portuguese, French); not é/è, which English borrows."""
ENGLISH_SHARE = 0.5
"""A message with letters of another language is English only when this share of its words
are frequent English words ("the café is closed")."""
OWN_LETTERS = frozenset("ыэъщёпچژگ")
"""Letters only the bot's own languages use (Russian, Persian) among their script-mates."""
SMALL_TALK = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "help"})
ORDER_ID = re.compile(r"^\W*(?:#|no\.?|№)?\s*[A-Za-z]{0,4}[-\s]?\d+\W*$")
"""A bare number or order id ("48213", "#SMV-48213"): the customer means an order."""
OVERRULED = frozenset({"complaint", "request_human"})
"""Core intents that, when the words did not confirm them, say nothing about the entries."""
JOINED = re.compile(r"\b(?:and|also|plus|or)\b|\bи\b|\bили\b|\bа также\b|\bκαι\b| و | یا |"
                    r"\?.*\w.*\?")
"""Words that join two questions or offer a choice ("refund or return?"), and two "?"."""
UNKNOWN_SMALL_TALK = 3
"""A greeting or thanks has at most a couple of words beyond the core intents' own ("thanks a
lot mate"); "did barcelona win last night" read as goodbye has three the bot does not know."""
LONG_MESSAGE_WORDS = 30
"""Longer messages tell a story before the question: their "and"s do not join questions."""
IDENTIFIERS = frozenset({"order_id", "number", "email", "url", "phone_number"})
"""Entities that identify something (an order, a person) rather than ask something."""
SENTENCE = re.compile(r"[^.!?؟;\n]+[.!?؟;]*")
ORDER_ENTRIES = ("order_status", "order_change")
PLACE_ENTRIES = ("shipping_countries", "shipping_time", "shipping_cost")
"""A bare place name: the customer most likely asks about delivery there."""


class Verdict(StrEnum):
    """What support does with a message."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    OUT_OF_SCOPE = "out_of_scope"
    DECLINE = "decline"
    """Clearly not the shop's business (weather, homework, another brand): say so."""
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
    topic: str = ""
    """For a clarification: ``order`` (a bare number), ``place`` (a bare place name) or ``""``."""


def decide_support(text: str, parse: Parse, kb: KnowledgeBase,
                   vocabulary: Vocabulary | None = None) -> Decision:
    """Classify one message; thresholds come from ``kb.policy`` (see docs/support.md)."""
    policy = kb.policy
    if ORDER_ID.match(text):
        return Decision(Verdict.CLARIFY, _known(kb, ORDER_ENTRIES), topic="order")
    if not any(char.isalnum() for char in text):
        return Decision(Verdict.NO_WORDS)
    if _foreign(text, parse):
        return Decision(Verdict.FOREIGN)
    top = parse.intent
    confident = top.confidence >= policy.answer_confidence
    text = masked(text, parse)
    reading = read(text, vocabulary or Vocabulary.of(kb))
    if urgent := _urgent(text, parse, kb, reading):
        return urgent
    ranked = _ranked(parse, kb)
    if reading.off_topic and reading.shop_words - reading.times < 2 * policy.shop_words_required:
        return Decision(Verdict.DECLINE)
    if len(text.split()) <= LONG_MESSAGE_WORDS and not describes_damage(text) \
            and _strange(reading, ranked, policy.unknown_confidence):
        # A story before the question has many words no example uses, and a broken thing is
        # named in words the examples may lack ("φλιτζάνια"): neither is another business.
        return Decision(Verdict.DECLINE)
    if reading.shop_words < policy.shop_words_required:
        if top.name in SMALL_TALK and confident and not reading.names \
                and len(reading.unknown) < UNKNOWN_SMALL_TALK:
            return Decision(Verdict.SMALL_TALK, intent=top.name)
        if reading.names and not reading.content and not reading.off_topic:
            return Decision(Verdict.CLARIFY, _known(kb, PLACE_ENTRIES), topic="place")
        if ranked and ranked[0][1] >= policy.trust_confidence and not reading.names \
                and not reading.off_topic and not parse.out_of_scope:
            return Decision(Verdict.ANSWER, (ranked[0][0],), ranked[0][0].intent)
        return Decision(Verdict.DECLINE)
    vocabulary = vocabulary or Vocabulary.of(kb)
    if len(text.split()) > LONG_MESSAGE_WORDS:
        # A story first, the question last: the classifier averages over the story, the
        # question's own words decide when they point to one entry.
        asked = read(last_question(text), vocabulary).distinctive(policy.distinctive_share)
        if len(asked) == 1:
            return Decision(Verdict.ANSWER, _known(kb, tuple(asked)))
    unclear = _unclear(text, reading, ranked, kb)
    if unclear:
        return Decision(Verdict.CLARIFY, unclear[: policy.clarify_options])
    best, score = ranked[0] if ranked else (None, 0.0)
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best is not None and score >= policy.answer_confidence \
            and runner_up < policy.clarify_margin * score:
        return Decision(Verdict.ANSWER, (best,), best.intent)
    pointed = reading.distinctive(policy.distinctive_share)
    if best is not None and score >= policy.clarify_confidence and pointed == {best.id}:
        # The classifier is unsure but the words point to its best guess: answer.
        return Decision(Verdict.ANSWER, (best,), best.intent)
    votes = sum(1 for shares in reading.pointing
                if any(part >= policy.distinctive_share for part in shares.values()))
    if len(pointed) == 1 and votes > 1:
        # Two or more words, each mostly used in one entry's examples, name the same entry.
        return Decision(Verdict.ANSWER, _known(kb, tuple(pointed)), "")
    if best is not None and best.id == reading.favourite() and reading.asks:
        # The classifier's first choice (however low its capped confidence) is the entry the
        # words favour too, and the message asks something: two readings agree, answer.
        return Decision(Verdict.ANSWER, (best,), best.intent)
    close = tuple(e for e, s in ranked if s >= policy.clarify_confidence)
    if not close and top.name in SMALL_TALK:
        # "Hello, where is my parcel?": the greeting took the classifier's whole mass, the
        # words still name entries; offer those.
        options = reading.candidates(policy.option_share)
        close = _known(kb, tuple(sorted(options, key=lambda i: -_best_share(reading, i))))
    if len(close) == 1 and (not pointed or close[0].id in pointed):
        # One plausible entry and no word against it: asking "did you mean X?" only delays.
        return Decision(Verdict.ANSWER, close, close[0].intent)
    if len(close) == 1:
        close = (*close, *_known(kb, tuple(sorted(pointed))))
    if close:
        return Decision(Verdict.CLARIFY, close[: policy.clarify_options])
    return Decision(Verdict.OUT_OF_SCOPE)


def _strange(reading: Reading, ranked: list[tuple[Entry, float]], sure: float) -> bool:
    """Somebody else's business by coverage, not by a word list: at least as many words the
    bot does not know at all as words of its examples ("у вас есть чай гринфилд в
    пакетиках?": чай is a shop word, гринфилд and пакетиках are nobody's), and the NLU not
    sure of an entry. A word of an entry's title counts twice ("возврат или обмен?" names
    the returns topic). Messages with no shop word are judged below (small talk, places)."""
    weight = reading.shop_words - reading.times + reading.titled
    if not reading.shop_words or len(reading.unknown) < weight:
        return False
    return not ranked or ranked[0][1] < sure


def masked(text: str, parse: Parse) -> str:
    """``text`` with order ids, numbers, e-mails, links and phone numbers blanked out.

    "SMV-48213" or "hello@x.example" say which order or who, never which question; left in,
    their letters ("smv", "hello") would be read as words.
    """
    chars = list(text)
    for entity in parse.entities:
        if entity.entity in IDENTIFIERS and 0 <= entity.start < entity.end <= len(chars):
            chars[entity.start:entity.end] = " " * (entity.end - entity.start)
    return "".join(chars)


def _foreign(text: str, parse: Parse) -> bool:
    """Written in a language the bot does not speak: a script the identifier does not know
    (Chinese, Hindi…), letters none of its languages use (Ukrainian і, German ß, Turkish ğ),
    or Latin letters whose function words are German, Spanish…"""
    guess = refine(parse.language, text)
    if guess.code == UNDETERMINED:
        return any(char.isalpha() for char in text)
    if guess.code not in LANGUAGES:
        return guess.confidence >= FOREIGN_CONFIDENCE
    latin = guess_latin(text)
    if (latin is None or latin.code not in LANGUAGES) and unsupported_latin(text):
        return True
    # "czy wysyłacie do Polski?": one English-looking word ("do") does not make it English.
    spoken = (latin is not None and latin.code in LANGUAGES) \
        or share_of_words(text, "en") >= ENGLISH_SHARE
    return not spoken and len(text.split()) > 1 \
        and sum(char in FOREIGN_LETTERS for char in text.casefold()) >= 1 \
        and not any(char in OWN_LETTERS for char in text.casefold())


def urgent(text: str, parse: Parse, kb: KnowledgeBase,
           vocabulary: Vocabulary | None = None) -> Decision | None:
    """A person now (an angry customer, a threat, upset about broken goods, asking for a
    person), or None: the part of :func:`decide_support` that must run before anything else
    takes the message (feedback said in passing: "the cup came broken, I want my money back"
    is a complaint for a person, not a wish to count)."""
    if not any(char.isalnum() for char in text) or _foreign(text, parse):
        return None
    text = masked(text, parse)
    return _urgent(text, parse, kb, read(text, vocabulary or Vocabulary.of(kb)))


def _urgent(text: str, parse: Parse, kb: KnowledgeBase, reading: Reading) -> Decision | None:
    top = parse.intent
    anger = read_anger(text)
    if anger.angry:
        return Decision(Verdict.COMPLAINT, intent=top.name)
    if anger.wants_person or (top.name == "request_human"
                              and top.confidence >= kb.policy.answer_confidence):
        return Decision(Verdict.HANDOFF, intent="request_human")
    if _nlu_angry(text, parse, kb, reading):
        return Decision(Verdict.COMPLAINT, intent=top.name)
    return None


def _nlu_angry(text: str, parse: Parse, kb: KnowledgeBase, reading: Reading) -> bool:
    """The NLU's complaint intent and sentiment, where the words do not contradict them.

    Alone they fire on "tell me a joke" (complaint) and "still waiting for my refund"
    (negative): a complaint needs negative sentiment or shop words, a calm report of a broken
    item is answered, and a negative mood needs no confident entry to explain it.
    """
    policy = kb.policy
    top = parse.intent
    if top.name == "complaint" and top.confidence >= policy.answer_confidence:
        if parse.sentiment < 0:
            return True
        # Warm words and the complaint intent contradict each other: "ваш улун просто супер,
        # лучший что я пробовал" (complaint 0.60, sentiment +0.86) opened a ticket.
        if reading.shop_words and not describes_damage(text) and parse.sentiment < POSITIVE:
            return True
    if parse.sentiment <= policy.angry_sentiment and describes_damage(text):
        # Upset about broken or missing goods: a person, even though the damaged-item entry
        # is a sure match (issue 14; a Greek complaint got the entry and no ticket).
        return True
    sure_entry = kb.by_intent(top.name) is not None and top.confidence >= policy.answer_confidence
    return parse.sentiment <= policy.angry_sentiment and not sure_entry


def _ranked(parse: Parse, kb: KnowledgeBase) -> list[tuple[Entry, float]]:
    """Entries in the NLU's order with their confidence among entries (core intents the
    words overruled — a greeting before the question, a calm "it broke" — left out)."""
    scores = parse.ranking or (parse.intent,)
    entries = [(e, s.confidence) for s in scores if (e := kb.by_intent(s.name)) is not None]
    rest = sum(s.confidence for s in scores if s.name in SMALL_TALK | OVERRULED)
    share = 1.0 - rest
    return [(e, c / share) for e, c in entries] if 0 < share < 1 else entries


def _unclear(text: str, reading: Reading, ranked: list[tuple[Entry, float]],
             kb: KnowledgeBase) -> tuple[Entry, ...]:
    """The entries to offer when the words do not settle the question, else ()."""
    policy = kb.policy
    order = {e.id: i for i, (e, _) in enumerate(ranked)}
    distinctive = reading.distinctive(policy.distinctive_share)
    if reading.size <= policy.short_message_words:
        # "delivery?", "my order", "payment": a topic's name, or words of several entries.
        options = reading.topics
        if not options and not reading.distinctive(policy.short_distinctive_share):
            options = reading.candidates(policy.option_share)
        ordered = sorted(options, key=lambda i: order.get(i, len(order)))
        if len(ordered) < 2 and reading.bare and policy.ask_bare_topics and reading.content:
            # "refund", "about my return": even a word one entry owns leaves open what about
            # it (how long, how to); offer that entry with its neighbours, as a person would.
            ordered = _bare_options(reading, ranked, kb)
        return _known(kb, tuple(ordered)) if len(ordered) > 1 else ()
    if len(distinctive) > 1 and JOINED.search(normalize(text)) \
            and len(text.split()) <= LONG_MESSAGE_WORDS:
        # Two questions in one message ("shipping to spain and do you take paypal"): offer
        # both rather than answer one and drop the other.
        return _known(kb, tuple(sorted(distinctive, key=lambda i: order.get(i, len(order)))))
    return ()


def _bare_options(reading: Reading, ranked: list[tuple[Entry, float]],
                  kb: KnowledgeBase) -> list[str]:
    """For a bare topic word: the likeliest entry, then the entries the NLU or the words also
    find plausible, then the brand's own ``related`` entries of the likeliest one."""
    policy = kb.policy
    likely = [e.id for e, score in ranked if score >= policy.clarify_confidence]
    words = sorted(reading.candidates(policy.option_share),
                   key=lambda i: -_best_share(reading, i))
    options = list(dict.fromkeys([*likely, *words]))
    if options and options[0] in kb.entries:
        options = list(dict.fromkeys([*options, *kb.entries[options[0]].related]))
    return options[: policy.clarify_options]


def last_question(text: str) -> str:
    """The last sentence that asks something (ends with ?), else the last sentence."""
    sentences = [str(part).strip() for part in SENTENCE.findall(text) if str(part).strip()]
    asking = [part for part in sentences if part.endswith(("?", "؟", ";"))]
    picked: list[str] = asking or sentences or [text]
    return picked[-1]


def _best_share(reading: Reading, entry_id: str) -> float:
    return max((shares.get(entry_id, 0.0) for shares in reading.word_shares), default=0.0)


def _known(kb: KnowledgeBase, ids: tuple[str, ...]) -> tuple[Entry, ...]:
    return tuple(kb.entries[i] for i in ids if i in kb.entries)
