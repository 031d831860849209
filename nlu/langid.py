"""Language identification for short chat messages: script first, then a char n-gram model.

Greek script decides el outright. Cyrillic (ru vs bg), Arabic script (fa vs ar) and Latin
(en vs transliterated ru/bg/el) go to a naive Bayes model over character n-grams trained on
text shipped in ``nlu/resources/langid`` plus the bundled intent examples, so nothing is
downloaded.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cache, lru_cache
from importlib import resources

import numpy as np

from nlu import translit
from nlu.ngrams import char_wb_ngrams
from nlu.types import LanguageGuess

UNDETERMINED = "und"
"""ISO 639 code reported when a message has no letters (emoji, digits only)."""
SHORT_MESSAGE_WORDS = 2
"""At or below this many words the customer's stored language beats a guess."""

LATIN_SWITCH = 0.99
"""Latin text counts as transliterated ru/bg/el only this surely; English is the default."""

_SCRIPT_LANGUAGES = {"GREEK": ("el",), "CYRILLIC": ("ru", "bg"), "ARABIC": ("fa", "ar")}
_SCRIPT_LANGUAGES["LATIN"] = ("en", *translit.LANGUAGES)


CACHED_CHARS = 1000
"""Guesses for texts up to this long are remembered: the NLU and the features that read the
same message (feedback's language, support's checks) ask about it again within a turn."""


def identify(text: str) -> LanguageGuess:
    """Best guess of the language of ``text`` with a confidence in [0, 1]."""
    return _identify_cached(text) if len(text) <= CACHED_CHARS else _identify(text)


@lru_cache(maxsize=1024)
def _identify_cached(text: str) -> LanguageGuess:
    return _identify(text)


def _identify(text: str) -> LanguageGuess:
    script, share = _dominant_script(text)
    candidates = _SCRIPT_LANGUAGES.get(script)
    if candidates is None:
        return LanguageGuess(UNDETERMINED, 0.0)
    if len(candidates) == 1:
        return LanguageGuess(candidates[0], round(share, 4))
    code, probability = _pair_model(script).predict(text)
    if script == "LATIN" and code != "en" and probability < LATIN_SWITCH:
        code, probability = "en", 1.0 - probability
    return LanguageGuess(code, round(share * probability, 4))


def choose_language(text: str, stored: str | None) -> LanguageGuess:
    """The language to answer in: the stored one wins on short or unidentifiable messages,
    unless the message is in a script the stored language is never written in."""
    short = len(text.split()) <= SHORT_MESSAGE_WORDS
    if stored is not None and short and not foreign_script(text, stored):
        return LanguageGuess(stored, 1.0)  # no need to identify what the stored one overrides
    guess = identify(text)
    if stored is None:
        return guess
    if guess.code == UNDETERMINED:
        return LanguageGuess(stored, 1.0)
    return guess


def foreign_script(text: str, language: str) -> bool:
    """Whether ``text`` is written in Greek, Cyrillic or Arabic letters that ``language`` is
    never written in: "πώς πληρώνω" from a customer stored as Russian is Greek however short.
    Latin never is (everyone types "ok" and "thanks", and ru, bg, el and fa in Latin letters)."""
    script, _ = _dominant_script(text)
    candidates = _SCRIPT_LANGUAGES.get(script)
    return script != "LATIN" and candidates is not None and language not in candidates


def _dominant_script(text: str) -> tuple[str, float]:
    """The script most letters are written in, and its share of the letters."""
    scripts: Counter[str] = Counter()
    for char, count in Counter(text).items():  # each distinct letter is looked up once
        if char.isalpha():
            scripts[_script(char)] += count
    scripts.pop("", None)
    if not scripts:
        return "", 0.0
    script, count = scripts.most_common(1)[0]
    return script, count / sum(scripts.values())


@lru_cache(maxsize=4096)  # bounded: a message may carry any of Unicode's letters
def _script(letter: str) -> str:
    """First word of the Unicode name: LATIN, CYRILLIC, GREEK, ARABIC ..."""
    name = unicodedata.name(letter, "")
    return name.split(" ", 1)[0]


NGRAMS = (1, 5)
"""char_wb pads words with spaces, so word starts and endings ("-ът", "-ться") count; 1–5-grams
measured best on bench/nlu/langid_test (4-grams miss "доброго")."""
ALPHA = 0.1
"""Additive smoothing of the n-gram counts."""


class _PairModel:
    """Multinomial naive Bayes over character 1–5-grams for languages that share a script.

    Counted here rather than with scikit-learn (``CountVectorizer`` + ``MultinomialNB``, the
    same numbers; a test compares them), so identifying a language never imports it.
    """

    def __init__(self, texts: list[str], labels: list[str]) -> None:
        self.classes = sorted(set(labels))
        self.vocabulary: dict[str, int] = {}
        rows: list[Counter[int]] = [Counter() for _ in self.classes]
        documents = Counter(labels)
        for text, label in zip(texts, labels, strict=True):
            row = rows[self.classes.index(label)]
            for gram in char_wb_ngrams(text, *NGRAMS):
                row[self.vocabulary.setdefault(gram, len(self.vocabulary))] += 1
        counts = np.zeros((len(self.classes), len(self.vocabulary)))
        for index, row in enumerate(rows):
            counts[index, list(row)] = list(row.values())
        smoothed = counts + ALPHA
        log_probs = np.log(smoothed) - np.log(smoothed.sum(axis=1, keepdims=True))
        self.log_probs = np.ascontiguousarray(log_probs.T)
        totals = np.array([documents[code] for code in self.classes], dtype=np.float64)
        self.log_prior = np.log(totals) - np.log(totals.sum())

    def predict(self, text: str) -> tuple[str, float]:
        """The likelier language and its posterior probability."""
        vocabulary = self.vocabulary
        columns = [vocabulary[g] for g in char_wb_ngrams(_prepare(text), *NGRAMS)
                   if g in vocabulary]
        scores = self.log_prior + self.log_probs[columns].sum(axis=0)
        posterior = np.exp(scores - scores.max())
        posterior /= posterior.sum()
        best = int(posterior.argmax())
        return self.classes[best], float(posterior[best])


def _prepare(text: str) -> str:
    """Lower-case only: the letters that separate fa from ar (ی/ي, ک/ك) must survive."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


@cache
def _pair_model(script: str) -> _PairModel:
    """Train (once per process, in well under a second) the model for one script."""
    return _PairModel(*_training_set(script))


def _training_set(script: str) -> tuple[list[str], list[str]]:
    """Prepared sentences and their languages for one script's model."""
    texts: list[str] = []
    labels: list[str] = []
    for code in _SCRIPT_LANGUAGES[script]:
        lines = _corpus(code)
        if script == "LATIN" and code != "en":
            lines = [latin for line in lines for latin in translit.transliterations(line, code)]
        texts.extend(_prepare(line) for line in lines)
        labels.extend([code] * len(lines))
    return texts, labels


def _corpus(code: str) -> list[str]:
    """Shipped sentences in ``code`` plus the bundled intent examples of that language."""
    package = resources.files("nlu")
    shipped = package / "resources" / "langid" / f"{code}.txt"
    lines = shipped.read_text("utf-8").splitlines() if shipped.is_file() else []
    core = package / "data" / f"core_{code}.yml"
    if core.is_file():
        lines.extend(_example_lines(core.read_text(encoding="utf-8")))
    return [line for line in lines if line.strip()]


def _example_lines(yaml_text: str) -> list[str]:
    """Example texts from a Rasa YAML block without importing the full reader."""
    return [
        line.strip()[2:]
        for line in yaml_text.splitlines()
        if line.strip().startswith("- ") and ":" not in line
    ]
