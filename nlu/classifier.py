"""The local intent classifier: TF-IDF features, linear SVMs, calibration and rejection.

Two SVMs share the features: a joint multi-class (Crammer-Singer) SVM ranks intents, being
the more accurate, and a one-vs-rest SVM feeds out-of-scope detection, its margins
separating unknown messages better (measured on Banking77 with held-out intents).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from nlu.calibration import Array, fit_temperature, softmax
from nlu.features import Featurizer, Matrix
from nlu.linear import LinearScorer, margins_of
from nlu.rejection import Rejector, intent_groups, margin_features
from nlu.settings import ClassifierSettings
from nlu.types import OUT_OF_SCOPE, IntentScore

if TYPE_CHECKING:
    # Training only: a loaded model scores with numpy (nlu/linear.py, nlu/ngrams.py).
    from sklearn.naive_bayes import ComplementNB
    from sklearn.svm import LinearSVC

TRAIN_THREADS = 2
"""Parallel SVM fits while training; the target machine has two cores."""
DEFAULT_TEMPERATURE = 0.1
"""Used when the data is too small for cross-validation; typical of fitted values."""

SMALL_DATA = 5000
"""Up to this many training examples, confidences are capped by a second view (below)."""
NB_ALPHA = 0.3
"""ComplementNB smoothing for that second view."""

FoldJob = tuple[Array, "Future[tuple[Array, Array, Array | None]]"]


class IntentClassifier:
    """Ranks intents with calibrated confidences and reports ``out_of_scope`` when unsure."""

    def __init__(self, settings: ClassifierSettings | None = None) -> None:
        self.settings = settings or ClassifierSettings()
        self.featurizer = Featurizer(self.settings)
        self.intents: list[str] = []
        self.temperature = DEFAULT_TEMPERATURE
        self.detector_temperature = DEFAULT_TEMPERATURE
        self.rejector = Rejector()
        self.ranker: LinearScorer | None = None
        self.detector: LinearScorer | None = None
        self.second: LinearScorer | None = None
        """Small data only: a naive Bayes view whose agreement the confidence needs."""
        self.second_temperature = 1.0

    def _svm(self, multi_class: str) -> LinearSVC:
        """An unfitted SVM with the configured settings."""
        from sklearn.svm import LinearSVC

        return LinearSVC(
            C=self.settings.regularization,
            multi_class=multi_class,
            tol=self.settings.tolerance,
            random_state=self.settings.seed,
        )

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> IntentClassifier:
        """Train on ``texts`` labelled with ``intents``; needs at least two intents."""
        from sklearn.exceptions import ConvergenceWarning

        labels = np.asarray(intents)
        self.intents = sorted(set(intents))
        if len(self.intents) < 2:
            raise ValueError("the intent classifier needs examples of at least two intents")
        features = self.featurizer.fit_transform(texts)
        small = len(labels) <= SMALL_DATA
        # liblinear releases the GIL, so the final models, the cross-validation folds and
        # the unknown-intent models train side by side. Warning filters are process-wide,
        # so one block here also covers the worker threads.
        with warnings.catch_warnings(), ThreadPoolExecutor(TRAIN_THREADS) as pool:
            warnings.simplefilter("ignore", ConvergenceWarning)
            ranker = pool.submit(self._svm(self.settings.multi_class).fit, features, labels)
            detector = pool.submit(self._svm("ovr").fit, features, labels)
            second = pool.submit(self._naive_bayes, features, labels) if small else None
            folds = self._submit_folds(pool, features, labels, small)
            groups = intent_groups(self.intents, self.settings.seed)
            hidden = [pool.submit(self._margins_without, features, labels, g) for g in groups]
            self.ranker = LinearScorer(ranker.result())
            self.detector = LinearScorer(detector.result())
            self.second = LinearScorer(second.result()) if second is not None else None
            if folds:
                self._calibrate(labels, folds, [job.result() for job in hidden])
        return self

    def _naive_bayes(self, features: Matrix, labels: Array) -> ComplementNB:
        """ComplementNB on the TF-IDF columns (it needs non-negative features)."""
        from sklearn.naive_bayes import ComplementNB

        return ComplementNB(alpha=NB_ALPHA).fit(self._nb_columns(features), labels)

    def _nb_columns(self, features: Matrix) -> Matrix:
        """The non-negative TF-IDF part of a feature matrix."""
        return features[:, : self.featurizer.sparse_width]

    def _submit_folds(
        self, pool: ThreadPoolExecutor, features: Matrix, labels: Array, small: bool
    ) -> list[FoldJob]:
        """Cross-validation jobs as (held-out rows, future margins); none if data is thin."""
        from sklearn.model_selection import StratifiedKFold

        folds = min(self.settings.folds, int(min(np.unique(labels, return_counts=True)[1])))
        if folds < 2:
            return []
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.settings.seed)
        return [
            (test, pool.submit(self._fold_margins, features, labels, train, test, small))
            for train, test in splitter.split(np.zeros(len(labels)), labels)
        ]

    def _fold_margins(
        self, features: Matrix, labels: Array, train: Array, test: Array, small: bool
    ) -> tuple[Array, Array, Array | None]:
        """Ranker, detector (and naive Bayes) margins of the ``test`` rows, trained on the
        ``train`` rows."""
        ranker = self._svm(self.settings.multi_class).fit(features[train], labels[train])
        detector = self._svm("ovr").fit(features[train], labels[train])
        second = None
        if small:
            bayes = self._naive_bayes(features[train], labels[train])
            second = margins_of(bayes, self._nb_columns(features[test]))
        return margins_of(ranker, features[test]), margins_of(detector, features[test]), second

    def _margins_without(self, features: Matrix, labels: Array, group: list[str]) -> Array:
        """Detector margins of ``group``'s examples from a model that never saw those intents."""
        hidden = np.isin(labels, group)
        model = self._svm("ovr").fit(features[~hidden], labels[~hidden])
        return margins_of(model, features[hidden])

    def _calibrate(self, labels: Array, folds: list[FoldJob], unknown: list[Array]) -> None:
        """Fit both temperatures on held-out margins, then the out-of-scope rejector."""
        shape = (len(labels), len(self.intents))
        ranked, detected, bayes = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        for test, job in folds:
            ranked[test], detected[test], second = job.result()
            if second is not None:
                bayes[test] = second
        truth = np.searchsorted(np.asarray(self.intents), labels)
        self.temperature = fit_temperature(ranked, truth)
        self.detector_temperature = fit_temperature(detected, truth)
        if self.second is not None:
            self.second_temperature = fit_temperature(bayes, truth)
        if unknown:
            known = margin_features(detected, self.detector_temperature)
            simulated = np.vstack([margin_features(u, self.detector_temperature) for u in unknown])
            correct = ranked.argmax(axis=1) == truth
            # On small sets the fold models, trained on two thirds of a few examples, are far
            # less sure than the final model, so the held-out loss overstates the real one
            # and a budget on it would switch rejection almost off (measured on
            # bench/nlu/multilingual: out-of-scope recall 25-55 % -> 5-15 %, no in-scope gain).
            budget = self.settings.oos_budget if len(labels) > SMALL_DATA else 1.0
            self.rejector.fit(known, simulated, correct, self.settings.oos_cost, budget)

    def margins(self, texts: Sequence[str]) -> Array:
        """Ranker margins, one row per text, columns in ``self.intents`` order."""
        assert self.ranker is not None, "fit() first"
        return self.ranker.batch(self.featurizer.transform(texts))

    def rank(self, texts: Sequence[str], top: int = 10) -> list[tuple[IntentScore, ...]]:
        """The ``top`` intents per text, best first, with ``out_of_scope`` first if rejected."""
        assert self.ranker is not None and self.detector is not None, "fit() first"
        features = self.featurizer.transform(texts)
        probs = softmax(self.ranker.batch(features), self.temperature)
        capped = probs
        if self.second is not None:
            bayes = self.second.batch(self._nb_columns(features))
            capped = np.minimum(probs, softmax(bayes, self.second_temperature))
        detected = margin_features(self.detector.batch(features), self.detector_temperature)
        in_scope = self.rejector.score(detected)
        return [self._ranking(row, values, float(p), top)
                for row, values, p in zip(probs, capped, in_scope, strict=True)]

    def rank_one(self, text: str, top: int = 10) -> tuple[IntentScore, ...]:
        """``rank`` for one message, skipping sklearn's per-call input validation (~1 ms)."""
        assert self.ranker is not None and self.detector is not None, "fit() first"
        columns, values = self.featurizer.sparse_row(text)
        dense = self.featurizer.dense_row(text)
        probs = softmax(self.ranker.one(columns, values, dense)[None, :], self.temperature)[0]
        capped = probs
        if self.second is not None:
            bayes = self.second.one(columns, values, None)[None, :]
            capped = np.minimum(probs, softmax(bayes, self.second_temperature)[0])
        detected = self.detector.one(columns, values, dense)[None, :]
        in_scope = self.rejector.score_one(margin_features(detected, self.detector_temperature)[0])
        return self._ranking(probs, capped, in_scope, top)

    def _ranking(
        self, row: Array, values: Array, in_scope: float, top: int
    ) -> tuple[IntentScore, ...]:
        """One text's ranking; rejection keeps the ranked intents for the bot to inspect.

        On small data each confidence is the lower of the SVM's and naive Bayes' calibrated
        probabilities: the two views err differently (the SVM trusts a rare shared phrase,
        "I am feeling very ..."; naive Bayes the words frequent in an intent, "sad"), so a
        message is sure only when both agree, and the ranking no longer sums to 1.
        """
        order = np.argsort(-row, kind="stable")[:top].tolist()
        # One vectorised rounding and one list conversion instead of a float() and a round()
        # per intent: this loop was a tenth of a single-message parse.
        rounded = np.round(values[order], 4).tolist()
        names = self.intents
        ranking = tuple(IntentScore(names[i], c) for i, c in zip(order, rounded, strict=True))
        if in_scope < self.rejector.threshold:
            return (IntentScore(OUT_OF_SCOPE, round(1.0 - in_scope, 4)), *ranking)
        return ranking
