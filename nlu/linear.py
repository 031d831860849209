"""Fitted linear SVMs as plain weight matrices, for batch and single-message scoring."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nlu.calibration import Array
from nlu.features import Matrix

if TYPE_CHECKING:
    from sklearn.naive_bayes import ComplementNB
    from sklearn.svm import LinearSVC


class LinearScorer:
    """Decision values of a fitted linear model (``LinearSVC``, ``ComplementNB``) as an
    (n, classes) array."""

    def __init__(self, model: LinearSVC | ComplementNB) -> None:
        # Rows per feature, so one message gathers only the rows of its own features.
        # ComplementNB's joint log-likelihood is the same product with its log-probabilities.
        bayes = _is_bayes(model)
        coef = model.feature_log_prob_ if bayes else model.coef_
        intercept = getattr(model, "intercept_", np.zeros(len(coef)))
        # float16 halves the file and the loaded model; SVM margins move by ~1e-3 of their
        # size. Naive Bayes log-probabilities are large numbers summed: they keep float32.
        dtype = np.float32 if bayes else np.float16
        self.weights: Array = np.ascontiguousarray(coef.T, dtype=dtype)
        self.bias: Array = np.asarray(intercept, dtype=np.float64)

    def batch(self, features: Matrix) -> Array:
        """Margins of many rows of a sparse feature matrix."""
        weights = self.weights.astype(np.float32)  # sparse products need a BLAS dtype
        return _two_columns(np.asarray(features @ weights, dtype=np.float64) + self.bias)

    def one(self, columns: Array, values: Array, dense: Array | None) -> Array:
        """Margins of one message from its sparse columns/values and optional dense tail."""
        # float32 products: the float16 weights hold less precision than that anyway.
        rows = self.weights[columns].astype(np.float32)
        margins: Array = (values.astype(np.float32) @ rows).astype(np.float64) + self.bias
        if dense is not None:
            tail = self.weights[-len(dense) :].astype(np.float32)
            margins = margins + (dense.astype(np.float32) @ tail)
        single: Array = _two_columns(margins[None, :])[0]
        return single


def margins_of(model: LinearSVC | ComplementNB, features: Matrix) -> Array:
    """Decision values straight from sklearn (used while training)."""
    if _is_bayes(model):
        return np.asarray(features @ model.feature_log_prob_.T, dtype=np.float64)
    return _two_columns(np.asarray(model.decision_function(features), dtype=np.float64))


def _two_columns(values: Array) -> Array:
    """sklearn keeps one column for two one-vs-rest classes: the second class's margin."""
    if values.ndim == 1:
        values = values[:, None]
    if values.shape[1] == 1:
        return np.column_stack([-values[:, 0] / 2, values[:, 0] / 2])
    return values


def _is_bayes(model: LinearSVC | ComplementNB) -> bool:
    """Naive Bayes, told by its fitted table: an ``isinstance`` would import scikit-learn."""
    return hasattr(model, "feature_log_prob_")
