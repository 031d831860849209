"""The systems compared: Sarafan's local NLU and a plain TF-IDF + logistic regression."""

from __future__ import annotations

import pickle
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from nlu.local import LocalNlu
from nlu.settings import ClassifierSettings
from nlu.training_data import TrainingData
from nlu.types import OUT_OF_SCOPE, Example

REFERENCE_REJECT_BELOW = 0.5
"""The reference has no learned rejection; it uses the common hand-set max-probability cut."""


class System(Protocol):
    """What the benchmark measures."""

    name: str

    def fit(self, texts: list[str], labels: list[str]) -> None: ...
    def predict(self, texts: list[str], *, reject: bool) -> list[str]: ...
    def predict_one(self, text: str) -> str: ...
    def save(self, path: Path) -> str: ...
    def load_seconds(self, path: Path) -> float: ...


class Sarafan:
    """``LocalNlu`` with the given settings."""

    def __init__(self, name: str, settings: ClassifierSettings) -> None:
        self.name = name
        self.settings = settings
        self.model: LocalNlu | None = None

    def fit(self, texts: list[str], labels: list[str]) -> None:
        data = TrainingData.from_examples(
            Example(t, y, "en") for t, y in zip(texts, labels, strict=True)
        )
        self.model = LocalNlu.train(data, self.settings)

    def predict(self, texts: list[str], *, reject: bool) -> list[str]:
        assert self.model is not None
        classifier = self.model.classifier
        if reject:
            return [ranking[0].name for ranking in classifier.rank(texts, top=1)]
        return [classifier.intents[i] for i in classifier.margins(texts).argmax(axis=1)]

    def predict_one(self, text: str) -> str:
        assert self.model is not None
        return self.model.parse_sync(text, language="en").intent.name

    def save(self, path: Path) -> str:
        """Save and return the Python snippet that loads it (for the memory probe)."""
        assert self.model is not None
        self.model.save(path)
        return (
            f"from nlu.local import LocalNlu; m = LocalNlu.load(Path({str(path)!r}))\n"
            "m.parse_sync('where is my card', language='en')"
        )

    def load_seconds(self, path: Path) -> float:
        """Time ``LocalNlu.load`` of a file written by ``save``."""
        return _timed_load(lambda: LocalNlu.load(path))


def _timed_load(load: Callable[[], object]) -> float:
    """Seconds one load takes."""
    started = time.perf_counter()
    load()
    return time.perf_counter() - started


class Reference:
    """Word 1–2-gram TF-IDF + logistic regression, the usual baseline."""

    name = "TF-IDF+LR (reference)"

    def __init__(self) -> None:
        self.pipeline: Pipeline = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            LogisticRegression(C=10, max_iter=2000),
        )

    def fit(self, texts: list[str], labels: list[str]) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.pipeline.fit(texts, labels)

    def predict(self, texts: list[str], *, reject: bool) -> list[str]:
        probs: Any = self.pipeline.predict_proba(texts)
        best = [str(self.pipeline.classes_[i]) for i in np.argmax(probs, axis=1)]
        if not reject:
            return best
        top = probs.max(axis=1)
        return [
            OUT_OF_SCOPE if p < REFERENCE_REJECT_BELOW else b
            for p, b in zip(top, best, strict=True)
        ]

    def predict_one(self, text: str) -> str:
        return str(self.pipeline.predict([text])[0])

    def save(self, path: Path) -> str:
        path.write_bytes(pickle.dumps(self.pipeline))
        return (
            f"import pickle; m = pickle.loads(Path({str(path)!r}).read_bytes())\n"
            "m.predict(['where is my card'])"
        )

    def load_seconds(self, path: Path) -> float:
        """Time unpickling the pipeline."""
        return _timed_load(lambda: pickle.loads(path.read_bytes()))
