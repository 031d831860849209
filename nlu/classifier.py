"""The local intent classifier: TF-IDF features, a linear SVM, calibration and rejection."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from nlu.calibration import Array, fit_temperature, softmax
from nlu.features import Featurizer, Matrix
from nlu.rejection import Rejector, intent_groups, margin_features
from nlu.settings import ClassifierSettings
from nlu.types import OUT_OF_SCOPE, IntentScore

TRAIN_THREADS = 2
"""Parallel SVM fits while training; the target machine has two cores."""
DEFAULT_TEMPERATURE = 0.1
"""Used when the data is too small for cross-validation; typical of fitted values."""


class IntentClassifier:
    """Ranks intents with calibrated confidences and reports ``out_of_scope`` below a threshold."""

    def __init__(self, settings: ClassifierSettings | None = None) -> None:
        self.settings = settings or ClassifierSettings()
        self.featurizer = Featurizer(self.settings)
        self.svm = self._new_svm()
        self.intents: list[str] = []
        self.temperature = DEFAULT_TEMPERATURE
        self.rejector = Rejector()

    def _new_svm(self) -> LinearSVC:
        """An unfitted SVM with the configured settings."""
        return LinearSVC(
            C=self.settings.regularization,
            multi_class=self.settings.multi_class,
            tol=self.settings.tolerance,
            random_state=self.settings.seed,
        )

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> IntentClassifier:
        """Train on ``texts`` labelled with ``intents``; needs at least two intents."""
        labels = np.asarray(intents)
        self.intents = sorted(set(intents))
        if len(self.intents) < 2:
            raise ValueError("the intent classifier needs examples of at least two intents")
        features = self.featurizer.fit_transform(texts)
        # liblinear releases the GIL, so the final model, the cross-validation folds and the
        # unknown-intent models train side by side. Warning filters are process-wide, so one
        # block here also covers the worker threads.
        with warnings.catch_warnings(), ThreadPoolExecutor(TRAIN_THREADS) as pool:
            warnings.simplefilter("ignore", ConvergenceWarning)
            final = pool.submit(self.svm.fit, features, labels)
            folds = self._submit_folds(pool, features, labels)
            groups = intent_groups(self.intents, self.settings.seed)
            hidden = [pool.submit(self._margins_without, features, labels, g) for g in groups]
            final.result()
            if folds:
                self._calibrate(labels, folds, [job.result() for job in hidden])
        return self

    def _submit_folds(
        self, pool: ThreadPoolExecutor, features: Matrix, labels: Array
    ) -> list[tuple[Array, Future[Array]]]:
        """Cross-validation jobs as (held-out rows, future margins); none if data is thin."""
        smallest = min(np.unique(labels, return_counts=True)[1])
        folds = min(self.settings.folds, int(smallest))
        if folds < 2:
            return []
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.settings.seed)
        return [
            (test, pool.submit(self._fold_margins, features, labels, train, test))
            for train, test in splitter.split(np.zeros(len(labels)), labels)
        ]

    def _fold_margins(self, features: Matrix, labels: Array, train: Array, test: Array) -> Array:
        """Margins of the ``test`` rows from a model trained on the ``train`` rows."""
        model = self._new_svm().fit(features[train], labels[train])
        return _margins(model, features[test])

    def _margins_without(self, features: Matrix, labels: Array, group: list[str]) -> Array:
        """Margins of the examples of ``group`` from a model that never saw those intents."""
        hidden = np.isin(labels, group)
        model = self._new_svm().fit(features[~hidden], labels[~hidden])
        return _margins(model, features[hidden])

    def _calibrate(
        self, labels: Array, folds: list[tuple[Array, Future[Array]]], unknown: list[Array]
    ) -> None:
        """Fit the temperature on held-out margins, then the out-of-scope rejector."""
        margins = np.zeros((len(labels), len(self.intents)), dtype=np.float64)
        for test, job in folds:
            margins[test] = job.result()
        truth = np.searchsorted(np.asarray(self.intents), labels)
        self.temperature = fit_temperature(margins, truth)
        if unknown:
            known = margin_features(margins, self.temperature)
            unknown_features = np.vstack([margin_features(u, self.temperature) for u in unknown])
            correct = margins.argmax(axis=1) == truth
            self.rejector.fit(known, unknown_features, correct, self.settings.oos_cost)

    def rank_one(self, text: str, top: int = 10) -> tuple[IntentScore, ...]:
        """``rank`` for a single message on the fast path (no sklearn input validation)."""
        margins = self._margins_one(text)[None, :]
        in_scope = self.rejector.score_one(margin_features(margins, self.temperature)[0])
        return self._ranking(softmax(margins, self.temperature)[0], in_scope, top)

    def _margins_one(self, text: str) -> Array:
        """Decision values of one text from the cached weight matrix."""
        weights, bias = self._weights()
        cols, vals = self.featurizer.sparse_row(text)
        margins: Array = vals @ weights[cols] + bias
        dense = self.featurizer.dense_row(text)
        if dense is not None:
            margins = margins + dense @ weights[-len(dense) :]
        if len(margins) == 1:
            return np.array([-margins[0] / 2, margins[0] / 2])
        return margins

    def _weights(self) -> tuple[Array, Array]:
        """SVM weights as (features, intents) rows so one text gathers only its columns."""
        cached: tuple[Array, Array] | None = self.__dict__.get("_cached_weights")
        if cached is None:
            cached = (np.ascontiguousarray(self.svm.coef_.T), np.asarray(self.svm.intercept_))
            self.__dict__["_cached_weights"] = cached
        return cached

    def __getstate__(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if key != "_cached_weights"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def margins(self, texts: Sequence[str]) -> Array:
        """Raw SVM margins, one row per text, columns in ``self.intents`` order."""
        return _margins(self.svm, self.featurizer.transform(texts))

    def rank(self, texts: Sequence[str], top: int = 10) -> list[tuple[IntentScore, ...]]:
        """The ``top`` intents per text, best first, with ``out_of_scope`` first if rejected."""
        margins = self.margins(texts)
        in_scope = self.rejector.score(margin_features(margins, self.temperature))
        probs = softmax(margins, self.temperature)
        return [self._ranking(row, float(p), top) for row, p in zip(probs, in_scope, strict=True)]

    def _ranking(self, row: Array, in_scope: float, top: int) -> tuple[IntentScore, ...]:
        """One text's ranking; rejection keeps the ranked intents for the bot to inspect."""
        order = np.argsort(-row)[:top]
        ranking = tuple(IntentScore(self.intents[i], round(float(row[i]), 4)) for i in order)
        if in_scope < self.rejector.threshold:
            return (IntentScore(OUT_OF_SCOPE, round(1.0 - in_scope, 4)), *ranking)
        return ranking


def _margins(model: LinearSVC, features: Matrix) -> Array:
    """Decision values as an (n, intents) array, also for the two-class case."""
    values: Array = np.asarray(model.decision_function(features), dtype=np.float64)
    if values.ndim == 1:
        # sklearn returns one column for two classes: the margin of the second one.
        return np.column_stack([-values / 2, values / 2])
    return values
