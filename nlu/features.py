"""Turn texts into feature matrices: word and character n-gram TF-IDF, optional embeddings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.settings import ClassifierSettings
from nlu.text import classifier_text

Matrix = Any
"""A scipy sparse matrix; sklearn and scipy ship no precise types for it."""
Array = np.ndarray[Any, Any]


class Encoder(Protocol):
    """Maps texts to dense, L2-normalised sentence vectors."""

    def encode(self, texts: Sequence[str]) -> Array:
        """One row per text."""
        ...


class Featurizer:
    """Fits the vectorisers on training texts and transforms new texts the same way."""

    def __init__(self, settings: ClassifierSettings) -> None:
        self.settings = settings
        # Words capture meaning; char n-grams inside word boundaries survive typos and
        # inflection (Russian, Bulgarian, Greek, Persian endings) without a stemmer.
        self.blocks = [
            _vectorizer(analyzer="word", ngram_range=settings.word_ngrams),
            _vectorizer(analyzer="char_wb", ngram_range=settings.char_ngrams),
        ]
        self.encoder: Encoder | None = None

    def fit_transform(self, texts: Sequence[str]) -> Matrix:
        """Learn vocabularies and IDF weights from ``texts`` and return their features."""
        if self.settings.embeddings:
            self.encoder = load_encoder(self.settings.encoder)
        clean = [classifier_text(text) for text in texts]
        if len(clean) > self.settings.prune_above:
            # On large sets most n-grams occur once: they are most of the vocabulary, the
            # weight matrices and the training memory, and carry almost no signal.
            for block in self.blocks:
                block.set_params(min_df=self.settings.min_df)
        parts = [block.fit_transform(clean) for block in self.blocks]
        for block in self.blocks:
            # sklearn keeps every pruned n-gram in ``stop_words_``, only for introspection.
            block.__dict__.pop("stop_words_", None)
        return self._stack(parts, texts)

    def transform(self, texts: Sequence[str]) -> Matrix:
        """Features of new texts (the vectorised path for batches)."""
        clean = [classifier_text(text) for text in texts]
        return self._stack([block.transform(clean) for block in self.blocks], texts)

    def _stack(self, parts: list[Matrix], texts: Sequence[str]) -> Matrix:
        """Join the blocks; embeddings are dense so they join as one more block."""
        if self.encoder is not None:
            weight = self.settings.embedding_weight
            parts.append(sparse.csr_matrix(weight * self.encoder.encode(texts)))
        return sparse.hstack(parts, format="csr")

    @property
    def sparse_width(self) -> int:
        """Columns of the TF-IDF blocks (the embeddings, when on, follow them)."""
        return sum(len(block.vocabulary_) for block in self.blocks)

    def sparse_row(self, text: str) -> tuple[Array, Array]:
        """Column indices and values of one text's TF-IDF features, without sklearn overhead.

        ``TfidfVectorizer.transform`` spends ~1 ms per call validating its input, which is
        most of a single-message parse; this computes the same numbers directly.
        """
        clean = classifier_text(text)
        indices: list[int] = []
        values: list[float] = []
        offset = 0
        for block, analyze in zip(self.blocks, self._analyzers(), strict=True):
            cols, vals = _tfidf(analyze(clean), block.vocabulary_, block.idf_)
            indices.extend(col + offset for col in cols)
            values.extend(vals)
            offset += len(block.vocabulary_)
        return np.asarray(indices, dtype=np.int64), np.asarray(values, dtype=np.float64)

    def dense_row(self, text: str) -> Array | None:
        """The sentence embedding of one text, when embeddings are on."""
        if self.encoder is None:
            return None
        vector: Array = self.settings.embedding_weight * self.encoder.encode([text])[0]
        return vector

    def _analyzers(self) -> list[Callable[[str], list[str]]]:
        """Cached n-gram analysers of the fitted vectorisers."""
        cached: list[Callable[[str], list[str]]] | None = self.__dict__.get("_cached")
        if cached is None:
            cached = [block.build_analyzer() for block in self.blocks]
            self.__dict__["_cached"] = cached
        return cached

    def __getstate__(self) -> dict[str, Any]:
        # The sentence encoder is loaded from its package at run time, never pickled.
        state = {key: value for key, value in self.__dict__.items() if key != "_cached"}
        state["encoder"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self.settings.embeddings:
            self.encoder = load_encoder(self.settings.encoder)


def _vectorizer(*, analyzer: str, ngram_range: tuple[int, int]) -> TfidfVectorizer:
    """A sublinear TF-IDF vectoriser over already normalised text."""
    # sklearn warns when a token pattern is given to a char analyser, so pass it only to words.
    pattern = {"token_pattern": r"(?u)\b\w+\b"} if analyzer == "word" else {}
    return TfidfVectorizer(
        lowercase=False,
        analyzer=analyzer,
        ngram_range=ngram_range,
        **pattern,
        sublinear_tf=True,
        dtype=np.float32,
    )


def _tfidf(grams: list[str], vocabulary: dict[str, int], idf: Array) -> tuple[list[int], Array]:
    """Sublinear TF times IDF, L2-normalised, as sklearn computes it."""
    counts: Counter[int | None] = Counter(map(vocabulary.get, grams))  # one lookup per n-gram
    counts.pop(None, None)
    if not counts:
        return [], np.zeros(0)
    cols = [col for col in counts if col is not None]
    vals = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * idf[cols]
    return cols, vals / np.linalg.norm(vals)


def load_encoder(name: str) -> Encoder:
    """The optional sentence encoder; raises ``ImportError`` naming the extra to install."""
    from nlu import embeddings

    return embeddings.load(name)
