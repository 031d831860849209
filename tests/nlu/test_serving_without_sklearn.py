"""A loaded model parses with numpy alone: its TF-IDF blocks and the language identifier are
plain data (nlu/ngrams.py), checked here against the scikit-learn code that trains them, and a
server trains its model in a child process, so scikit-learn and SciPy never load in it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.naive_bayes import MultinomialNB

from nlu import langid
from nlu.ngrams import ANALYZERS, WORD_PATTERN, TfidfTable, csr_rows

ROOT = Path(__file__).resolve().parents[2]

TRAIN = [
    "how long does delivery take", "where is my order", "I want to return the tea",
    "где мой заказ", "хочу вернуть чай, он пришёл разбитый", "колко струва доставката",
    "πώς πληρώνω", "θέλω να μιλήσω με άνθρωπο", "سفارش من کجاست", "ارسال چقدر طول میکشد",
    "a b c", "ok", "kak vernut tovar",
]
# Unknown words, runs of spaces, one-letter words, emoji, digits, mixed scripts, nothing.
TEST = [*TRAIN, "delivery   to  Sofia?", "x", "", "   ", "🙂🙂 ok", "заказ 12345 order",
        "πού είναι η παραγγελία μου", "a  b", "ارسال به تهران", "z" * 300]


@pytest.mark.parametrize(("analyzer", "ngrams"), [("word", (1, 3)), ("char_wb", (2, 5)),
                                                  ("char_wb", (1, 5)), ("word", (2, 2))])
def test_ngrams_are_scikit_learns(analyzer: str, ngrams: tuple[int, int]) -> None:
    pattern = {"token_pattern": WORD_PATTERN} if analyzer == "word" else {}
    theirs = TfidfVectorizer(lowercase=False, analyzer=analyzer, ngram_range=ngrams,
                             **pattern).build_analyzer()
    for text in TEST:
        assert ANALYZERS[analyzer](text, *ngrams) == theirs(text), text


def test_tfidf_rows_are_scikit_learns() -> None:
    blocks = [TfidfVectorizer(lowercase=False, analyzer="word", token_pattern=WORD_PATTERN,
                              ngram_range=(1, 3), sublinear_tf=True, dtype=np.float32),
              TfidfVectorizer(lowercase=False, analyzer="char_wb", ngram_range=(2, 5),
                              sublinear_tf=True, dtype=np.float32)]
    for block in blocks:
        block.fit(TRAIN)
    theirs = sparse.hstack([block.transform(TEST) for block in blocks], format="csr")
    ours = csr_rows([TfidfTable.of(block) for block in blocks], TEST)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours.toarray(), theirs.toarray(), atol=1e-6)


@pytest.mark.parametrize("script", ["CYRILLIC", "ARABIC", "LATIN"])
def test_language_pairs_are_scikit_learns_naive_bayes(script: str) -> None:
    """The counted model gives the posteriors ``CountVectorizer`` + ``MultinomialNB`` gave."""
    texts, labels = langid._training_set(script)
    vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=langid.NGRAMS,
                                 lowercase=False)
    bayes = MultinomialNB(alpha=langid.ALPHA).fit(vectorizer.fit_transform(texts), labels)
    ours = langid._PairModel(texts, labels)
    assert ours.classes == [str(code) for code in bayes.classes_]
    samples = ["где мой заказ", "къде е поръчката ми", "سفارش من کجاست", "أين طلبي",
               "kak vernut tovar", "where is my order", "kade e porachkata", "", "ok"]
    for text in samples:
        probabilities = bayes.predict_proba(vectorizer.transform([langid._prepare(text)]))[0]
        code, probability = ours.predict(text)
        best = int(probabilities.argmax())
        assert code == ours.classes[best]
        assert probability == pytest.approx(probabilities[best], abs=1e-9)


def test_a_server_process_never_imports_scikit_learn_or_scipy(tmp_path: Path) -> None:
    """The bot's import chain, training apart, loading and parsing in five languages."""
    code = f"""
import sys
from pathlib import Path
import bot.app
from nlu.store import load_or_train
from nlu.training_data import TrainingData
from nlu.types import Example
examples = [Example(t, "order") for t in ("where is my order", "где мой заказ",
            "къде е поръчката ми", "πού είναι η παραγγελία μου", "سفارش من کجاست")]
examples += [Example(t, "refund") for t in ("I want my money back", "хочу вернуть деньги",
             "искам си парите", "θέλω τα λεφτά μου πίσω", "پولم را پس میخواهم")]
examples += [Example(t, "greet") for t in ("hello", "привет", "здравей", "γεια", "سلام")]
data = TrainingData.from_examples(examples)
trained = load_or_train(data, Path({str(tmp_path)!r}), train_apart=True)
loaded = load_or_train(data, Path({str(tmp_path)!r}), train_apart=True)
for text in ("where's my order??", "где заказ", "парите ми", "γεια σου", "سلام دوست",
             "gde moi zakaz", "🙂"):
    parse = loaded.parse_sync(text)
    assert parse == trained.parse_sync(text)
    print(parse.intent.name, parse.language.code)
print(sorted(m for m in sys.modules if m.split(".")[0] in ("sklearn", "scipy")))
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "[]"
    assert lines[:5] == ["order en", "order ru", "refund bg", "greet el", "greet fa"]


def test_fitted_tables_are_scikit_learns_tfidf() -> None:
    """Feedback's regrouping job fits its char n-gram table itself, in the server."""
    texts = [text.lower() for text in TEST if text.strip()]
    theirs = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True)
    expected = theirs.fit_transform(texts).toarray()
    table = TfidfTable.fit("char_wb", (3, 4), texts)
    assert table.vocabulary == theirs.vocabulary_
    np.testing.assert_allclose(csr_rows([table], texts, dtype=np.float64).toarray(), expected,
                               atol=1e-12)
