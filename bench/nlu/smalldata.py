"""Small data, honest confidence: ``.venv/bin/python -m bench.nlu.smalldata``.

Few-example intent sets (``bench/nlu/smalldata``: six shop intents, 20 training and 5 test
messages per intent, and 5 shop messages no intent covers, in en, ru, bg, el, fa, written
for this benchmark) trained on the first
5, 10 and 20 examples of each intent. For every set it reports accuracy and how the test
messages split: a right answer given with confidence (>= the bot's answer threshold, 0.5), a
*wrong confident* answer, or an honest "not sure" (confidence below the threshold or
out of scope, which the bot turns into a clarifying question). The target: wrong confident
answers rarer than "not sure". Rasa's moodbot case is printed too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlu.local import LocalNlu
from nlu.training_data import TrainingData, load_training_data
from nlu.types import OUT_OF_SCOPE

HERE = Path(__file__).resolve().parent
DATA = HERE / "smalldata"
MOODBOT = HERE.parents[1] / "tests" / "nlu" / "moodbot"
OUT = HERE.parents[1] / "bench" / "out" / "nlu_smalldata.json"
LANGUAGES = ("en", "ru", "bg", "el", "fa")
SIZES = (5, 10, 20)
ANSWER_THRESHOLD = 0.5
"""``bot.support.kb.model.Policy.answer_confidence``: the bot answers straight away from here."""


def first_per_intent(data: TrainingData, size: int) -> TrainingData:
    """The first ``size`` examples of every intent, in file order."""
    seen: dict[str, int] = {}
    kept = []
    for example in data.examples:
        if seen.get(example.intent, 0) < size:
            seen[example.intent] = seen.get(example.intent, 0) + 1
            kept.append(example)
    return TrainingData.from_examples(kept)


def score(model: LocalNlu, test: TrainingData) -> dict[str, float]:
    """Accuracy and the confident-right / confident-wrong / not-sure shares."""
    right = wrong = unsure = correct = 0
    for example in test.examples:
        parse = model.parse_sync(example.text, language=example.language)
        top = parse.intent
        unsure_here = parse.out_of_scope or top.confidence < ANSWER_THRESHOLD
        if example.intent == OUT_OF_SCOPE:  # no intent fits: only "not sure" is right
            correct += unsure_here
        else:
            in_scope = next((s for s in parse.ranking if s.name != OUT_OF_SCOPE), top)
            correct += in_scope.name == example.intent
        if unsure_here:
            unsure += 1
        elif top.name == example.intent:
            right += 1
        else:
            wrong += 1
    total = len(test.examples)
    return {"accuracy": correct / total, "confident_right": right / total,
            "confident_wrong": wrong / total, "not_sure": unsure / total}


def run() -> dict[str, Any]:
    """Every language and size, then the moodbot case."""
    results: dict[str, Any] = {}
    for language in LANGUAGES:
        train = load_training_data([DATA / f"train_{language}.yml"])
        test = load_training_data([DATA / f"test_{language}.yml"])
        for size in SIZES:
            model = LocalNlu.train(first_per_intent(train, size))
            results[f"{language}/{size}"] = score(model, test)
            row = results[f"{language}/{size}"]
            print(f"{language} {size:2d}/intent  accuracy {row['accuracy']:.3f}  confident right "
                  f"{row['confident_right']:.3f}  confident wrong {row['confident_wrong']:.3f}  "
                  f"not sure {row['not_sure']:.3f}", flush=True)
    rows = [row for key, row in results.items() if "/" in key]
    summary = {name: sum(row[name] for row in rows) / len(rows)
               for name in ("accuracy", "confident_right", "confident_wrong", "not_sure")}
    results["mean"] = summary
    print("mean  " + "  ".join(f"{k} {v:.3f}" for k, v in summary.items()))
    mood = LocalNlu.train(load_training_data([MOODBOT]))
    parse = mood.parse_sync("I am feeling very sad today")
    results["moodbot"] = {"intent": parse.intent.name, "confidence": parse.intent.confidence}
    print(f"moodbot 'I am feeling very sad today' -> {parse.intent.name} "
          f"{parse.intent.confidence:.2f}")
    return results


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(run(), indent=2), encoding="utf-8")
