"""Run with ``.venv/bin/python -m bench.nlu [--embeddings]``; prints tables, writes JSON."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from sklearn.metrics import accuracy_score, f1_score

from bench.nlu import dataset
from bench.nlu.langid_eval import langid_accuracy
from bench.nlu.measure import latency_ms, model_file, peak_memory_mb, throughput, timed
from bench.nlu.systems import Reference, Sarafan, System
from nlu.settings import ClassifierSettings
from nlu.types import OUT_OF_SCOPE

OUT = Path(__file__).resolve().parents[2] / "bench" / "out" / "nlu.json"


def measure(system: System, workdir: Path) -> dict[str, float]:
    """Every figure for one system."""
    train, test = dataset.load("train"), dataset.load("test")
    figures: dict[str, float] = {"train_s": timed(lambda: system.fit(train.texts, train.labels))}
    plain = system.predict(test.texts, reject=False)
    figures["accuracy"] = accuracy_score(test.labels, plain)
    figures["macro_f1"] = f1_score(test.labels, plain, average="macro")
    rejected = system.predict(test.texts, reject=True)
    figures["accuracy_with_rejection"] = accuracy_score(test.labels, rejected)
    figures.update(latency_ms(system, test.texts))
    figures["batch_msgs_per_s"] = throughput(system, test.texts)
    figures["peak_mb"] = peak_memory_mb(system, workdir)
    figures["load_s"] = system.load_seconds(model_file(system, workdir))
    figures.update(out_of_scope(system))
    return figures


def out_of_scope(system: System) -> dict[str, float]:
    """Train without a quarter of the intents; how many of their messages are rejected."""
    train, test = dataset.load("train"), dataset.load("test")
    hidden = dataset.held_out_intents(train.labels)
    known = dataset.without(train, hidden)
    system.fit(known.texts, known.labels)
    truth = [OUT_OF_SCOPE if y in hidden else y for y in test.labels]
    plain = system.predict(test.texts, reject=False)
    rejected = system.predict(test.texts, reject=True)
    pairs = list(zip(truth, plain, rejected, strict=True))
    in_scope = [(t, p, r) for t, p, r in pairs if t != OUT_OF_SCOPE]
    unknown = [r for t, _, r in pairs if t == OUT_OF_SCOPE]
    return {
        "oos_recall": sum(r == OUT_OF_SCOPE for r in unknown) / len(unknown),
        "in_scope_acc": sum(t == p for t, p, _ in in_scope) / len(in_scope),
        "in_scope_acc_with_rejection": sum(t == r for t, _, r in in_scope) / len(in_scope),
    }


ROWS = [
    ("accuracy", "test accuracy (top intent)", 100),
    ("accuracy_with_rejection", "test accuracy, rejection on", 100),
    ("macro_f1", "macro-F1", 100),
    ("train_s", "training time, s", 1),
    ("p50_ms", "parse latency p50, ms (1 core)", 1),
    ("p99_ms", "parse latency p99, ms (1 core)", 1),
    ("p99_cpu_ms", "parse CPU time p99, ms (1 core)", 1),
    ("batch_msgs_per_s", "batch throughput, msg/s", 1),
    ("peak_mb", "peak memory of loaded model, MB", 1),
    ("load_s", "model load time, s", 1),
    ("oos_recall", "out-of-scope recall (19 held-out intents)", 100),
    ("in_scope_drop", "in-scope accuracy drop from rejection, pts", 100),
]


def print_table(results: dict[str, dict[str, float]], reference: str) -> None:
    """Figures per system, each with its ratio to the reference."""
    names = list(results)
    print(f"\n{'metric':44}" + "".join(f"{name[:26]:>28}" for name in names))
    for key, label, scale in ROWS:
        cells = []
        for name in names:
            value = results[name][key] * scale
            base = results[reference][key] * scale
            ratio = f"({value / base:.2f}x)" if base and name != reference else ""
            cells.append(f"{value:>19.2f} {ratio:>8}")
        print(f"{label:44}" + "".join(cells))


def main() -> None:
    """Parse flags, run every system, print and save."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embeddings", action="store_true",
                        help="also run sarafan[embeddings] (multilingual-e5-small)")
    args = parser.parse_args()
    systems: list[System] = [Reference(), Sarafan("sarafan local (default)", ClassifierSettings())]
    if args.embeddings:
        systems.append(Sarafan("sarafan + e5 embeddings", ClassifierSettings(embeddings=True)))
    print(dataset.CITATION)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as workdir:
        for system in systems:
            print(f"running {system.name} ...", flush=True)
            figures = measure(system, Path(workdir))
            figures["in_scope_drop"] = (
                figures["in_scope_acc"] - figures["in_scope_acc_with_rejection"]
            )
            results[system.name] = figures
    print_table(results, systems[0].name)
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    report: dict[str, Any] = {"banking77": results, "langid": print_langid()}
    report["load_average"] = os.getloadavg()[0]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\nwrote {OUT}")


def print_langid() -> dict[str, float]:
    """Per-language accuracy of ``nlu.langid`` on the short-message test set."""
    results = langid_accuracy()
    print("\nlanguage identification, short messages (3-40 chars)")
    total = correct_all = 0
    accuracy: dict[str, float] = {}
    for code, (correct, count) in results.items():
        accuracy[code] = correct / count
        total, correct_all = total + count, correct_all + correct
        print(f"  {code}: {correct}/{count} = {correct / count:.1%}")
    accuracy["all"] = correct_all / total
    print(f"  all: {correct_all}/{total} = {accuracy['all']:.1%}")
    return accuracy


if __name__ == "__main__":
    main()
