"""Model weight on 15,000 examples: ``.venv/bin/python -m bench.nlu.lighter``.

The set is Banking77's train and test splits (13,083) plus 1,917 copies of training
messages with one typo each (two neighbouring letters swapped), 77 intents. Each figure
comes from a fresh process: training peak RSS (VmHWM), model file size, peak RSS of a
process that loads the file and parses once, and single-message parse latency (p50/p99
over 1,000 test messages, one thread).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.nlu import dataset

SIZE = 15_000
OUT = Path(__file__).resolve().parents[2] / "bench" / "out" / "nlu_lighter.json"


def examples() -> tuple[list[str], list[str]]:
    """15,000 (text, intent) pairs, the same on every run."""
    train, test = dataset.load("train"), dataset.load("test")
    texts, labels = [*train.texts, *test.texts], [*train.labels, *test.labels]
    rng = random.Random(0)
    extra = SIZE - len(texts)
    for text, label in zip(train.texts[:extra], train.labels[:extra], strict=True):
        chars = list(text)
        at = rng.randrange(max(1, len(chars) - 1))
        chars[at : at + 2] = chars[at : at + 2][::-1]
        texts.append("".join(chars))
        labels.append(label)
    return texts, labels


def _vmhwm() -> float:
    """This process's peak RSS in MB."""
    with Path("/proc/self/status").open(encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmHWM"))
    return int(line.split()[1]) / 1024


def train_child(path: str) -> None:
    """In a fresh process: train, save, print seconds and peak RSS."""
    from nlu.local import LocalNlu
    from nlu.training_data import TrainingData
    from nlu.types import Example

    texts, labels = examples()
    started = time.perf_counter()
    model = LocalNlu.train(TrainingData.from_examples(
        Example(t, i, "en") for t, i in zip(texts, labels, strict=True)))
    seconds = time.perf_counter() - started
    model.save(Path(path))
    print(json.dumps({"train_s": seconds, "train_peak_mb": _vmhwm()}))


def load_child(path: str) -> None:
    """In a fresh process: load, parse 1,000 messages one by one, print RSS and latency."""
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from nlu.local import LocalNlu

    started = time.perf_counter()
    model = LocalNlu.load(Path(path))
    load_s = time.perf_counter() - started
    texts = dataset.load("test").texts[:1000]
    model.parse_sync(texts[0], language="en")
    timings = []
    for text in texts:
        begun = time.perf_counter()
        model.parse_sync(text, language="en")
        timings.append((time.perf_counter() - begun) * 1000)
    timings.sort()
    print(json.dumps({"load_s": load_s, "loaded_peak_mb": _vmhwm(),
                      "parse_p50_ms": timings[len(timings) // 2],
                      "parse_p99_ms": timings[int(len(timings) * 0.99)]}))


def _child(kind: str, path: Path) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.nlu.lighter", kind, str(path)],
        check=True, capture_output=True, text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run() -> dict[str, Any]:
    """Train, then load and parse, each in its own process."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.nlu"
        figures = _child("train", path)
        figures["file_mb"] = path.stat().st_size / 1e6
        figures.update(_child("load", path))
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    if len(sys.argv) == 3:
        {"train": train_child, "load": load_child}[sys.argv[1]](sys.argv[2])
    else:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(run(), indent=2), encoding="utf-8")
