"""Turn classifier margins into calibrated probabilities (temperature scaling)."""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]


def softmax(margins: Array, temperature: float) -> Array:
    """Row-wise softmax of ``margins / temperature``."""
    scaled = margins / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    result: Array = exp / exp.sum(axis=1, keepdims=True)
    return result


def fit_temperature(margins: Array, truth: Array) -> float:
    """The temperature that minimises the log-loss of held-out margins (temperature scaling)."""
    from scipy.optimize import minimize_scalar  # training only


    def log_loss(log_t: float) -> float:
        probs = softmax(margins, float(np.exp(log_t)))
        picked = probs[np.arange(len(truth)), truth]
        return float(-np.log(np.clip(picked, 1e-12, None)).mean())

    found = minimize_scalar(log_loss, bounds=(np.log(1e-3), np.log(10.0)), method="bounded")
    return float(np.exp(found.x))
