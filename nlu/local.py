"""The default backend: everything runs in-process from a locally trained model."""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from pathlib import Path

from nlu import retrieval, translit
from nlu.classifier import IntentClassifier
from nlu.entities import EntityExtractor
from nlu.fingerprint import data_hash
from nlu.langid import choose_language
from nlu.model_file import Header, ModelVersionError, read_model, write_model
from nlu.sentiment import sentiment
from nlu.settings import ClassifierSettings
from nlu.training_data import TrainingData
from nlu.types import OUT_OF_SCOPE, Example, IntentScore, Parse

__all__ = ["LocalNlu", "ModelVersionError"]

log = logging.getLogger(__name__)

TOP = 10
"""Intents listed in a parse's ranking."""
RANKED = 50
"""Intents scored before retrieval sub-intents are summed into their base intent."""


def _latin_spellings(examples: list[Example]) -> list[tuple[str, str]]:
    """(text, intent) for Latin spellings of examples in languages people transliterate."""
    return [
        (latin, ex.intent)
        for ex in examples
        if ex.language in translit.LANGUAGES
        for latin in dict.fromkeys(translit.transliterations(ex.text, ex.language))
    ]


MIN_PER_INTENT = 50
"""A sample of a very large set keeps at least this many examples of every intent."""


def sample(examples: list[Example], settings: ClassifierSettings) -> list[Example]:
    """``examples`` if within ``settings.max_examples``, else a stratified sample of them."""
    if len(examples) <= settings.max_examples:
        return examples
    by_intent: dict[str, list[Example]] = {}
    for example in examples:
        by_intent.setdefault(example.intent, []).append(example)
    share = settings.max_examples / len(examples)
    rng = random.Random(settings.seed)
    kept: list[Example] = []
    for group in by_intent.values():
        want = min(len(group), max(MIN_PER_INTENT, round(len(group) * share)))
        kept.extend(rng.sample(group, want))
    log.warning("training on a stratified sample of %d of %d examples (max_examples)",
                len(kept), len(examples))
    return kept


class LocalNlu:
    """Intent classifier, entity extractor, language identification and sentiment together."""

    def __init__(
        self, classifier: IntentClassifier, extractor: EntityExtractor, *, data_hash: str
    ) -> None:
        self.classifier = classifier
        self.extractor = extractor
        self.data_hash = data_hash

    @classmethod
    def train(cls, data: TrainingData, settings: ClassifierSettings | None = None) -> LocalNlu:
        """Train from ``data``; examples are sorted first so training is reproducible."""
        settings = settings or ClassifierSettings()
        if not data.examples:
            raise ValueError("no training examples: add intents with examples to the data")
        # Exact repeats add nothing but time; sorting makes training reproducible.
        unique = {(ex.intent, ex.text, ex.language or ""): ex for ex in data.examples}
        examples = sample(sorted(unique.values(), key=lambda ex: (ex.intent, ex.text,
                                                                   ex.language or "")), settings)
        pairs = [(ex.text, ex.intent) for ex in examples]
        if settings.transliterate:
            pairs += _latin_spellings(examples)
        extractor = EntityExtractor.from_data(data)
        classifier = IntentClassifier(settings).fit(
            [extractor.with_features(t) for t, _ in pairs], [i for _, i in pairs]
        )
        return cls(classifier, extractor, data_hash=data_hash(data, settings))

    @property
    def intents(self) -> list[str]:
        """The intents this model knows."""
        return list(self.classifier.intents)

    async def parse(self, text: str, *, language: str | None = None) -> Parse:
        """Parse ``text``; ``language`` is the customer's stored language, if known."""
        return self.parse_sync(text, language=language)

    def parse_sync(self, text: str, *, language: str | None = None) -> Parse:
        """The same as ``parse`` for callers without an event loop."""
        # A very long message is read on its first ``max_chars`` (bounded time, same answer).
        head = text[: self.classifier.settings.max_chars]
        guess = choose_language(head, language)
        if not head.strip():
            return Parse(text, guess, IntentScore(OUT_OF_SCOPE, 1.0))
        full = self.classifier.rank_one(self.extractor.with_features(head), top=RANKED)
        ranking, selection = retrieval.split(full)
        return Parse(
            text=text,
            language=guess,
            intent=ranking[0],
            ranking=ranking[:TOP],
            entities=self.extractor.extract(head, guess.code),
            sentiment=sentiment(head, guess.code),
            response_selector=selection,
        )

    def classify_batch(self, texts: Sequence[str]) -> list[IntentScore]:
        """Only the top intent of many texts at once (vectorised; for evaluation).

        Retrieval intents are reported by their base name (``faq``), as ``parse`` does.
        """
        limit = self.classifier.settings.max_chars
        rankings = self.classifier.rank(
            [self.extractor.with_features(t[:limit]) for t in texts], top=1
        )
        return [retrieval.split(ranking)[0][0] for ranking in rankings]

    def save(self, path: Path) -> None:
        """Write a versioned model file (header with data hash, then the model)."""
        header = Header(data_hash=self.data_hash, intents=tuple(self.intents))
        write_model(path, header, (self.classifier, self.extractor))

    @classmethod
    def load(cls, path: Path) -> LocalNlu:
        """Load a model file; raises ``ModelVersionError`` if it is from another version."""
        header, (classifier, extractor) = read_model(path)
        return cls(classifier, extractor, data_hash=header.data_hash)
