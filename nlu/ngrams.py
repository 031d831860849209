"""N-gram analysers and fitted TF-IDF tables as plain data, so a loaded model needs neither
scikit-learn nor SciPy.

Training still fits scikit-learn's vectorisers; their vocabulary and IDF weights are then
kept here, and a message is analysed the way scikit-learn's ``word`` and ``char_wb`` analysers
do it (``lowercase=False``, no accent stripping, no stop words): a test compares the two. The
serving process then never imports scikit-learn and SciPy: ~95 MB of RSS, measured.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]

WORD_PATTERN = r"(?u)\b\w+\b"
"""Tokens of the word block: runs of letters and digits, one character included."""
_WORD = re.compile(WORD_PATTERN)
_RUNS_OF_SPACE = re.compile(r"\s\s+")


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """Word ``low``..``high``-grams, in scikit-learn's order."""
    tokens = _WORD.findall(text)
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams inside words padded with a space each side, in scikit-learn's order;
    a word shorter than ``n`` counts once, whole."""
    grams: list[str] = []
    append = grams.append
    for word in _RUNS_OF_SPACE.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            if length <= n:
                append(padded)
                break
            for start in range(length - n + 1):
                append(padded[start : start + n])
    return grams


ANALYZERS: dict[str, Callable[[str, int, int], list[str]]] = {
    "word": word_ngrams,
    "char_wb": char_wb_ngrams,
}


@dataclass(slots=True)
class TfidfTable:
    """A fitted TF-IDF block: sublinear term frequency times IDF, L2-normalised per text."""

    analyzer: str
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: Array

    @classmethod
    def of(cls, vectorizer: Any) -> TfidfTable:
        """The tables of a fitted scikit-learn ``TfidfVectorizer`` (used while training)."""
        vocabulary = {str(gram): int(col) for gram, col in vectorizer.vocabulary_.items()}
        low, high = vectorizer.ngram_range
        return cls(vectorizer.analyzer, (int(low), int(high)), vocabulary,
                   np.asarray(vectorizer.idf_, dtype=np.float64))

    @classmethod
    def fit(cls, analyzer: str, ngram_range: tuple[int, int], texts: Sequence[str]) -> TfidfTable:
        """Fitted here: scikit-learn's smoothed IDF, ``ln((1 + n) / (1 + df)) + 1``, with no
        n-gram dropped (for jobs in the server, which must not import scikit-learn)."""
        frequency: Counter[str] = Counter()
        for text in texts:
            frequency.update(set(ANALYZERS[analyzer](text, *ngram_range)))
        vocabulary = {gram: col for col, gram in enumerate(sorted(frequency))}
        documents = np.fromiter((frequency[gram] for gram in vocabulary), dtype=np.float64,
                                count=len(vocabulary))
        return cls(analyzer, ngram_range, vocabulary,
                   np.log((1.0 + len(texts)) / (1.0 + documents)) + 1.0)

    @property
    def width(self) -> int:
        """Columns of this block."""
        return len(self.vocabulary)

    def analyze(self, text: str) -> list[str]:
        """The n-grams of ``text`` this block counts (unknown ones included)."""
        return ANALYZERS[self.analyzer](text, *self.ngram_range)

    def row(self, text: str) -> tuple[list[int], Array]:
        """Column indices and values of one text."""
        counts: Counter[int | None] = Counter(map(self.vocabulary.get, self.analyze(text)))
        counts.pop(None, None)
        if not counts:
            return [], np.zeros(0)
        cols = [col for col in counts if col is not None]
        vals = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * self.idf[cols]
        return cols, vals / np.linalg.norm(vals)


def joined_row(tables: Sequence[TfidfTable], text: str) -> tuple[list[int], Array]:
    """Column indices and values of one text in ``tables`` side by side."""
    indices: list[int] = []
    values: list[Array] = []
    offset = 0
    for table in tables:
        cols, vals = table.row(text)
        indices.extend(col + offset for col in cols)
        values.append(vals)
        offset += table.width
    return indices, np.concatenate(values) if values else np.zeros(0)


def csr_rows(tables: Sequence[TfidfTable], texts: Sequence[str],
             dtype: type[np.floating[Any]] = np.float32) -> Any:
    """The TF-IDF blocks of many texts side by side, as a SciPy CSR matrix (float32, as the
    classifier's vectorisers return them). SciPy is imported only here: batch paths."""
    from scipy import sparse

    indptr, indices, values = [0], list[int](), list[float]()
    for text in texts:
        cols, vals = joined_row(tables, text)
        indices.extend(cols)
        values.extend(vals.tolist())
        indptr.append(len(indices))
    width = sum(table.width for table in tables)
    matrix = sparse.csr_matrix((np.asarray(values, dtype=dtype),
                                np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
                               shape=(len(texts), width))
    matrix.sort_indices()
    return matrix
