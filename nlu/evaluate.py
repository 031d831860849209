"""Evaluate predictions against labelled examples: per-intent scores, confusions, out-of-scope."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from nlu.types import OUT_OF_SCOPE


@dataclass(frozen=True, slots=True)
class IntentReport:
    """Precision, recall and F1 of one intent, and how many test examples it had."""

    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``sarafan nlu test`` prints and writes."""

    accuracy: float
    macro_f1: float
    in_scope_accuracy: float
    out_of_scope_recall: float | None
    intents: list[IntentReport]
    confused: list[tuple[str, str, int]]
    labels: list[str]
    matrix: list[list[int]] = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return asdict(self)


def evaluate(truth: Sequence[str], predicted: Sequence[str], top_confusions: int = 10) -> Report:
    """Compare predicted intents with the true ones."""
    from sklearn.metrics import precision_recall_fscore_support  # the CLI's tests only

    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    intents = [
        IntentReport(label, round(float(p), 4), round(float(r), 4), round(float(f), 4), int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    ]
    pairs = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    in_truth = [intent for intent in intents if intent.support > 0]
    return Report(
        accuracy=_share(t == p for t, p in zip(truth, predicted, strict=True)),
        macro_f1=round(sum(i.f1 for i in in_truth) / max(len(in_truth), 1), 4),
        in_scope_accuracy=_share(
            t == p for t, p in zip(truth, predicted, strict=True) if t != OUT_OF_SCOPE
        ),
        out_of_scope_recall=_oos_recall(truth, predicted),
        intents=intents,
        confused=[(t, p, n) for (t, p), n in pairs.most_common(top_confusions)],
        labels=labels,
        matrix=_matrix(truth, predicted, labels),
    )


def _share(hits: Any) -> float:
    """Fraction of true values in an iterable of booleans (0 when empty)."""
    values = list(hits)
    return round(sum(values) / len(values), 4) if values else 0.0


def _oos_recall(truth: Sequence[str], predicted: Sequence[str]) -> float | None:
    """Share of out-of-scope messages reported as such; ``None`` if the data has none."""
    flags = [p == OUT_OF_SCOPE for t, p in zip(truth, predicted, strict=True) if t == OUT_OF_SCOPE]
    return _share(flags) if flags else None


def _matrix(truth: Sequence[str], predicted: Sequence[str], labels: list[str]) -> list[list[int]]:
    """Confusion counts: rows are true intents, columns predicted ones."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted, strict=True):
        matrix[index[t]][index[p]] += 1
    return matrix
