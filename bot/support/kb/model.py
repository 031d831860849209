"""What a knowledge base holds: entries with questions and answers per language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.messages import Link

INTENT_PREFIX = "faq_"
"""An entry ``shipping`` is the NLU intent ``faq_shipping``."""


@dataclass(frozen=True, slots=True)
class LocalLink:
    """A link whose title is translated; the URL is the same in every language."""

    url: str
    titles: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Entry:
    """One FAQ entry: how customers ask, what we answer, in each language."""

    id: str
    titles: Mapping[str, str]
    questions: Mapping[str, tuple[str, ...]]
    answers: Mapping[str, str]
    links: tuple[LocalLink, ...] = ()
    related: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source: str = ""

    @property
    def intent(self) -> str:
        """The NLU intent this entry trains."""
        return INTENT_PREFIX + self.id


@dataclass(frozen=True, slots=True)
class Policy:
    """When to answer, clarify or hand over; a brand may override these in its content."""

    answer_confidence: float = 0.5
    """Answer straight away when the best entry's calibrated confidence reaches this."""
    clarify_confidence: float = 0.08
    """Entries at least this likely are offered as choices when unsure."""
    clarify_options: int = 3
    clarify_margin: float = 0.7
    """Ask back when the runner-up entry scores at least this share of the best one."""
    short_message_words: int = 1
    """A message with at most this many content words is answered only when one of its
    words belongs mostly to one entry ("paypal?"); else the bot asks ("delivery?")."""
    ask_bare_topics: bool = True
    """A bare topic ("refund", "about my return": one content word, nothing asked about it)
    is asked back with the entry it names and its neighbours, even when one entry owns the
    word; ``false`` answers that entry."""
    distinctive_share: float = 0.7
    """A word points to an entry when that entry holds this share of the word's uses in the
    example questions."""
    short_distinctive_share: float = 0.8
    """The same for a message of at most ``short_message_words`` words ("money" is 71%
    refunds, 29% failed payments: too close to answer without asking)."""
    option_share: float = 0.15
    """When asking back, entries holding this share of a word are offered."""
    trust_confidence: float = 0.95
    """Answer a message none of whose words the examples use only when the NLU is this sure
    (transliteration the examples lack, "dai trek nomer"); never for places or off-topic."""
    shop_words_required: int = 1
    """Content words of the examples a message needs to count as the shop's business."""
    unknown_confidence: float = 0.7
    """A message with at least as many words the bot does not know at all (not in the
    examples, answers, titles or core intents: "Lipton", "Barcelona") as shop words is
    declined unless the NLU is this sure of an entry; 0 turns the rule off."""
    misses_before_handoff: int = 2
    """Out-of-scope messages in a row before a person takes over."""
    angry_sentiment: float = -0.6
    """Sentiment at or below this opens a high-priority ticket."""
    response_time: Mapping[str, str] = field(default_factory=dict)
    """Per language, when customers can expect an operator's reply."""


@dataclass(frozen=True, slots=True)
class BrandWords:
    """The brand's own words for support's judgement (``support:`` in the content)."""

    names: frozenset[str] = frozenset()
    """Places and brands, normalised: naming one never decides an answer."""
    off_topic: frozenset[str] = frozenset()
    """Words of topics and goods that are not this shop's business."""


@dataclass(frozen=True, slots=True)
class LocalAnswer:
    """An entry's answer in one language, and whether it fell back to the default language."""

    entry: Entry
    language: str
    text: str
    links: tuple[Link, ...]
    fallback: bool


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """Every usable entry by id, with the language answers fall back to."""

    entries: Mapping[str, Entry]
    default_language: str = "en"
    policy: Policy = field(default_factory=Policy)
    words: BrandWords = field(default_factory=BrandWords)

    def by_intent(self, intent: str) -> Entry | None:
        """The entry an NLU intent stands for, if any."""
        if not intent.startswith(INTENT_PREFIX):
            return None
        return self.entries.get(intent.removeprefix(INTENT_PREFIX))

    def answer(self, entry: Entry, language: str) -> LocalAnswer:
        """The answer in ``language``, else in the default language (``fallback`` set)."""
        shown = language if entry.answers.get(language) else self.default_language
        links = tuple(Link(_pick(link.titles, shown, self.default_language), link.url)
                      for link in entry.links)
        return LocalAnswer(entry, shown, entry.answers[shown], links, shown != language)

    def title(self, entry: Entry, language: str) -> str:
        """The entry's short title for a button."""
        return _pick(entry.titles, language, self.default_language)


def _pick(texts: Mapping[str, str], language: str, default: str) -> str:
    return texts.get(language) or texts.get(default) or next(iter(texts.values()), "")
