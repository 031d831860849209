"""Text normalisation shared by the classifier, language identification and sentiment."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Persian typed on an Arabic keyboard uses Arabic yeh/kaf; Greek and Russian writers often
# drop accents and the diaeresis on ё, so fold these to one form before counting n-grams.
_FOLD = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی", "ە": "ه", "ё": "е", "\u200c": " ", "ـ": ""})
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_REPEATS = re.compile(r"(.)\1{2,}")
_PERSIAN_PREFIX = re.compile(r"(?<!\w)(ن?می) (?=[\u0620-\u064a\u067e-\u06cc])")


CACHED_CHARS = 512
"""Texts up to this long are normalised and tokenised once: one message is read by the
classifier, sentiment, the feedback cues and themes, anger and duplicate checks. Longer ones
(rare, and up to 10,000 characters) are not kept, so the caches stay a few MB."""


def normalize(text: str) -> str:
    """Lower-case, fold script variants and accents, squeeze repeated letters and spaces."""
    return _normalized(text) if len(text) <= CACHED_CHARS else _normalize(text)


@lru_cache(maxsize=2048)
def _normalized(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    text = _strip_greek_accents(text)
    # "thaaanks", "спасибооо": three or more repeats carry emphasis, not meaning.
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


def classifier_text(text: str) -> str:
    """``normalize`` plus one spelling of Persian words typed with a ZWNJ, a space or nothing.

    Persian writers type "می‌خوام", "می خوام" and "میخوام" for the same word (the bundled and
    benchmark training data mix the first and last); ``normalize`` turns the ZWNJ into a space
    (what the support cues expect), so here the joined form is used for the classifier's n-grams:
    ZWNJ dropped, and the verbal prefix می/نمی joined to its verb.
    """
    return _PERSIAN_PREFIX.sub(r"\1", normalize(text.replace("\u200c", "")))


def _strip_greek_accents(text: str) -> str:
    """Drop combining marks (tonos, dialytika) but keep Cyrillic й, which NFD would split."""
    decomposed = unicodedata.normalize("NFD", text)
    kept = (ch for ch in decomposed if not _is_droppable_mark(ch))
    return unicodedata.normalize("NFC", "".join(kept))


def _is_droppable_mark(ch: str) -> bool:
    """Combining accents are noise for Greek; Cyrillic breve (й) is a letter of its own."""
    return unicodedata.combining(ch) != 0 and ch != "\u0306"


def words(text: str) -> list[str]:
    """Word tokens of normalised text (letters and digits)."""
    if len(text) > CACHED_CHARS:
        return _WORD.findall(_normalize(text))
    return list(_words(text))


@lru_cache(maxsize=2048)
def _words(text: str) -> tuple[str, ...]:
    """The tokens of ``words``, kept immutable so the cached result can be shared."""
    return tuple(_WORD.findall(_normalized(text)))
