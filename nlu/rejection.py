"""Out-of-scope detection learned from the data by pretending some intents are unknown.

The training intents are split into groups; a model trained without one group scores that
group's examples, which stand in for messages the bot has no intent for. A small logistic
model over margin features then separates them from cross-validated in-scope scores, and
its threshold maximises unknown messages caught minus ``cost`` times correct answers lost.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from nlu.calibration import Array, softmax

MAX_GROUPS = 2
"""Held-out intent groups; each costs one fit on the remaining intents."""


def intent_groups(intents: list[str], seed: int) -> list[list[str]]:
    """Split intents into at most ``MAX_GROUPS`` random groups, leaving two or more known."""
    if len(intents) < 3:
        return []
    order = list(np.random.default_rng(seed).permutation(intents))
    count = MAX_GROUPS
    # Hiding a group must leave a classifier with at least two intents to choose from.
    while -(-len(intents) // count) > len(intents) - 2:
        count += 1
    return [list(map(str, order[i::count])) for i in range(count)]


def margin_features(margins: Array, temperature: float) -> Array:
    """Top margin, gap to the runner-up and log-probability of the top intent."""
    ordered = np.sort(margins, axis=1)
    top = ordered[:, -1]
    gap = ordered[:, -1] - ordered[:, -2]
    log_prob = np.log(np.clip(softmax(margins, temperature).max(axis=1), 1e-12, None))
    return np.column_stack([top, gap, log_prob])


class Rejector:
    """Scores how likely a message belongs to a known intent; low scores are out of scope."""

    def __init__(self) -> None:
        self.weights: Array | None = None
        self.bias = 0.0
        self.threshold = 0.0

    def fit(
        self, known: Array, unknown: Array, correct: Array, cost: float, budget: float = 1.0
    ) -> Rejector:
        """Learn from features of in-scope (``known``) and simulated unknown messages.

        ``budget`` caps the share of the held-out correct answers the threshold may reject.
        """
        features = np.vstack([known, unknown])
        labels = np.r_[np.ones(len(known)), np.zeros(len(unknown))]
        self.weights, self.bias = _monotone_logistic(features, labels)
        kept = self.score(known)[correct]
        self.threshold = min(_best_threshold(kept, self.score(unknown), cost),
                             _budget_threshold(kept, budget))
        return self

    def score(self, features: Array) -> Array:
        """Probability of being in scope, one per row."""
        if self.weights is None:
            return np.ones(len(features))
        result: Array = 1.0 / (1.0 + np.exp(-(features @ self.weights + self.bias)))
        return result

    def score_one(self, features: Array) -> float:
        """``score`` for a single feature row."""
        return float(self.score(features[None, :])[0])


def _monotone_logistic(features: Array, labels: Array) -> tuple[Array | None, float]:
    """Logistic regression whose score never falls as the classifier grows more confident.

    Every margin feature means "more sure"; a negative weight is an artefact of correlated
    features on a particular data set, and it once made confident answers out of scope.
    Such features are dropped and the rest refitted; with none left nothing is rejected.
    """
    from sklearn.exceptions import ConvergenceWarning  # training only
    from sklearn.linear_model import LogisticRegression

    kept = np.ones(features.shape[1], dtype=bool)
    while kept.any():
        model = LogisticRegression(class_weight="balanced")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(features[:, kept], labels)
        weights = np.zeros(features.shape[1])
        weights[kept] = model.coef_[0]
        bias = float(model.intercept_[0])
        if (weights[kept] > 0).all():
            return weights, bias
        kept &= weights > 0
    return None, 0.0


def _best_threshold(correct_known: Array, unknown: Array, cost: float) -> float:
    """The cut maximising unknown recall minus ``cost`` times the share of correct answers lost."""
    if len(correct_known) == 0 or len(unknown) == 0:
        return 0.0
    candidates = np.unique(np.r_[correct_known, unknown, 0.0])
    gains = [_gain(t, correct_known, unknown, cost) for t in candidates]
    return float(candidates[int(np.argmax(gains))])


def _budget_threshold(correct_known: Array, budget: float) -> float:
    """The highest cut that rejects at most ``budget`` of the correct answers."""
    if len(correct_known) == 0 or budget >= 1.0:
        return 1.0
    ordered = np.sort(correct_known)
    # A score equal to the cut is kept (``score < threshold`` rejects), so cutting at the
    # k-th lowest score rejects exactly the k below it.
    return float(ordered[int(np.floor(budget * len(ordered)))])


def _gain(threshold: float, known: Array, unknown: Array, cost: float) -> Any:
    """Share of unknown rejected minus ``cost`` times the share of known rejected."""
    return (unknown < threshold).mean() - cost * (known < threshold).mean()
