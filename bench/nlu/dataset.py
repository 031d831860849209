"""Banking77 (Casanueva et al. 2020, CC BY 4.0): see PROVENANCE.md next to the CSV files."""

from __future__ import annotations

import csv
import os
import random
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV = "BANKING77_DIR"
CITATION = (
    "Banking77: Casanueva et al. 2020, Efficient Intent Detection with Dual Sentence "
    "Encoders, NLP4ConvAI @ ACL 2020 (CC BY 4.0), PolyAI-LDN/task-specific-datasets@57ec275"
)
HELD_OUT_SHARE = 0.25
"""Share of intents hidden from training to measure out-of-scope detection."""


@dataclass(frozen=True, slots=True)
class Split:
    """Texts and their intent labels."""

    texts: list[str]
    labels: list[str]


def dataset_dir() -> Path:
    """``$BANKING77_DIR`` or ``../shared/datasets/banking77`` from the repo root."""
    return Path(os.environ.get(ENV, REPO.parent / "shared" / "datasets" / "banking77"))


def load(name: str) -> Split:
    """``train`` or ``test``."""
    path = dataset_dir() / f"{name}.csv"
    if not path.is_file():
        raise SystemExit(f"Banking77 not found at {path}; set {ENV} to its directory")
    with path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    return Split([row["text"] for row in rows], [row["category"] for row in rows])


def held_out_intents(labels: list[str], seed: int = 0) -> set[str]:
    """A fixed random quarter of the intents, treated as unknown."""
    intents = sorted(set(labels))
    return set(random.Random(seed).sample(intents, int(len(intents) * HELD_OUT_SHARE)))


def without(split: Split, hidden: set[str]) -> Split:
    """The split minus examples of ``hidden`` intents."""
    kept = [(t, y) for t, y in zip(split.texts, split.labels, strict=True) if y not in hidden]
    return Split([t for t, _ in kept], [y for _, y in kept])
