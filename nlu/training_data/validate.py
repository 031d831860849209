"""Quality checks that do not stop training: thin intents, conflicts, duplicates."""

from __future__ import annotations

from collections import defaultdict

from nlu.training_data.errors import DataWarning
from nlu.training_data.model import TrainingData

MIN_EXAMPLES = 5
"""Fewer examples than this per intent (per language) gives an unreliable intent."""


def validate(data: TrainingData) -> list[DataWarning]:
    """Return warnings about ``data``; an empty list means nothing looks wrong."""
    return [*_thin_intents(data), *_conflicts(data), *_untagged(data)]


def _thin_intents(data: TrainingData) -> list[DataWarning]:
    """Intents (per language, when tagged) with fewer than ``MIN_EXAMPLES`` examples."""
    counts: dict[tuple[str, str | None], int] = defaultdict(int)
    for example in data.examples:
        counts[(example.intent, example.language)] += 1
    return [
        DataWarning(
            f"intent {intent!r}{_in(language)} has only {count} example(s);"
            f" at least {MIN_EXAMPLES} are recommended",
            intent,
            language,
        )
        for (intent, language), count in sorted(counts.items(), key=str)
        if count < MIN_EXAMPLES
    ]


def _conflicts(data: TrainingData) -> list[DataWarning]:
    """The same text under two intents confuses the classifier; duplicates add nothing."""
    seen: dict[str, set[str]] = defaultdict(set)
    tagged: set[tuple[str, str, str | None]] = set()
    warnings: list[DataWarning] = []
    for example in data.examples:
        key = " ".join(example.text.lower().split())
        # "да" is a fine example in both Russian and Bulgarian; only repeats in one language count.
        if (key, example.intent, example.language) in tagged:
            warnings.append(
                DataWarning(f"duplicate example {example.text!r} in {example.intent!r}")
            )
        tagged.add((key, example.intent, example.language))
        seen[key].add(example.intent)
    for text, intents in seen.items():
        if len(intents) > 1:
            names = ", ".join(sorted(intents))
            warnings.append(DataWarning(f"example {text!r} appears under several intents: {names}"))
    return warnings


def _untagged(data: TrainingData) -> list[DataWarning]:
    """Mixed tagged/untagged examples make per-language checks and reports unreliable."""
    untagged = sum(1 for example in data.examples if example.language is None)
    if untagged and data.languages():
        return [DataWarning(f"{untagged} example(s) have no language (file name or metadata)")]
    return []


def _in(language: str | None) -> str:
    """Render ' in xx' for messages about one language."""
    return f" in {language}" if language else ""
