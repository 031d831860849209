"""Turn texts into feature matrices: word and character n-gram TF-IDF, optional embeddings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from nlu.ngrams import WORD_PATTERN, TfidfTable, csr_rows, joined_row
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
    """Fits the TF-IDF blocks on training texts and transforms new texts the same way.

    Words capture meaning; char n-grams inside word boundaries survive typos and inflection
    (Russian, Bulgarian, Greek, Persian endings) without a stemmer.
    """

    def __init__(self, settings: ClassifierSettings) -> None:
        self.settings = settings
        self.tables: list[TfidfTable] = []
        self.encoder: Encoder | None = None

    def fit_transform(self, texts: Sequence[str]) -> Matrix:
        """Learn vocabularies and IDF weights from ``texts`` and return their features."""
        from scipy import sparse  # training only: a loaded model needs neither

        if self.settings.embeddings:
            self.encoder = load_encoder(self.settings.encoder)
        clean = [classifier_text(text) for text in texts]
        # On large sets most n-grams occur once: they are most of the vocabulary, the weight
        # matrices and the training memory, and carry almost no signal.
        min_df = self.settings.min_df if len(clean) > self.settings.prune_above else 1
        blocks = [_vectorizer("word", self.settings.word_ngrams, min_df),
                  _vectorizer("char_wb", self.settings.char_ngrams, min_df)]
        parts = [block.fit_transform(clean) for block in blocks]
        self.tables = [TfidfTable.of(block) for block in blocks]
        return self._stack(sparse.hstack(parts, format="csr"), texts)

    def transform(self, texts: Sequence[str]) -> Matrix:
        """Features of new texts (the vectorised path for batches)."""
        return self._stack(csr_rows(self.tables, [classifier_text(t) for t in texts]), texts)

    def _stack(self, tfidf: Matrix, texts: Sequence[str]) -> Matrix:
        """Embeddings are dense, so they join the TF-IDF blocks as one more block."""
        if self.encoder is None:
            return tfidf
        from scipy import sparse

        weight = self.settings.embedding_weight
        return sparse.hstack([tfidf, sparse.csr_matrix(weight * self.encoder.encode(texts))],
                             format="csr")

    @property
    def sparse_width(self) -> int:
        """Columns of the TF-IDF blocks (the embeddings, when on, follow them)."""
        return sum(table.width for table in self.tables)

    def sparse_row(self, text: str) -> tuple[Array, Array]:
        """Column indices and values of one text's TF-IDF features (the single-message path:
        no sparse matrix, no input validation)."""
        indices, values = joined_row(self.tables, classifier_text(text))
        return np.asarray(indices, dtype=np.int64), values

    def dense_row(self, text: str) -> Array | None:
        """The sentence embedding of one text, when embeddings are on."""
        if self.encoder is None:
            return None
        vector: Array = self.settings.embedding_weight * self.encoder.encode([text])[0]
        return vector

    def __getstate__(self) -> dict[str, Any]:
        # The sentence encoder is loaded from its package at run time, never pickled.
        return {**self.__dict__, "encoder": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self.settings.embeddings:
            self.encoder = load_encoder(self.settings.encoder)


def _vectorizer(analyzer: str, ngram_range: tuple[int, int], min_df: int) -> Any:
    """A scikit-learn sublinear TF-IDF vectoriser over already normalised text (training)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    # sklearn warns when a token pattern is given to a char analyser, so pass it only to words.
    pattern = {"token_pattern": WORD_PATTERN} if analyzer == "word" else {}
    return TfidfVectorizer(lowercase=False, analyzer=analyzer, ngram_range=ngram_range,
                           min_df=min_df, **pattern, sublinear_tf=True, dtype=np.float32)


def load_encoder(name: str) -> Encoder:
    """The optional sentence encoder; raises ``ImportError`` naming the extra to install."""
    from nlu import embeddings

    return embeddings.load(name)
