"""Fitted linear SVMs as plain weight matrices, for batch and single-message scoring."""

from __future__ import annotations

import numpy as np
from sklearn.svm import LinearSVC

from nlu.calibration import Array
from nlu.features import Matrix


class LinearScorer:
    """Decision values of a fitted ``LinearSVC`` as an (n, classes) array."""

    def __init__(self, model: LinearSVC) -> None:
        # Rows per feature, so one message gathers only the rows of its own features.
        self.weights: Array = np.ascontiguousarray(model.coef_.T, dtype=np.float32)
        self.bias: Array = np.asarray(model.intercept_, dtype=np.float64)

    def batch(self, features: Matrix) -> Array:
        """Margins of many rows of a sparse feature matrix."""
        return _two_columns(np.asarray(features @ self.weights, dtype=np.float64) + self.bias)

    def one(self, columns: Array, values: Array, dense: Array | None) -> Array:
        """Margins of one message from its sparse columns/values and optional dense tail."""
        margins: Array = values @ self.weights[columns] + self.bias
        if dense is not None:
            margins = margins + dense @ self.weights[-len(dense) :]
        single: Array = _two_columns(margins[None, :])[0]
        return single


def margins_of(model: LinearSVC, features: Matrix) -> Array:
    """Decision values straight from sklearn (used while training)."""
    return _two_columns(np.asarray(model.decision_function(features), dtype=np.float64))


def _two_columns(values: Array) -> Array:
    """sklearn keeps one column for two one-vs-rest classes: the second class's margin."""
    if values.ndim == 1:
        values = values[:, None]
    if values.shape[1] == 1:
        return np.column_stack([-values[:, 0] / 2, values[:, 0] / 2])
    return values
