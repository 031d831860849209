"""Fixtures: a small multilingual training set and a model trained on it once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.cli import bundled_data
from nlu.local import LocalNlu
from nlu.training_data import TrainingData, load_training_data
from nlu.types import Example

TINY = {
    "greet": ["hi", "hello", "hey there", "good morning", "привет", "здравствуйте", "hello there"],
    "thanks": ["thanks", "thank you", "thx a lot", "спасибо", "благодарю", "many thanks"],
    "track_order": [
        "where is my order",
        "track my package",
        "my parcel has not arrived",
        "где мой заказ",
        "когда придёт посылка",
        "order status please",
    ],
    "refund": [
        "i want my money back",
        "refund please",
        "return this item for a refund",
        "верните деньги",
        "хочу возврат",
        "how do i get a refund",
    ],
}


def tiny_data() -> TrainingData:
    """Four intents in English and Russian; trains in well under a second."""
    return TrainingData.from_examples(
        Example(text, intent) for intent, texts in TINY.items() for text in texts
    )


@pytest.fixture(scope="session")
def core_data() -> TrainingData:
    """The bundled core intents in five languages."""
    return load_training_data([bundled_data()])


@pytest.fixture(scope="session")
def core_model(core_data: TrainingData) -> LocalNlu:
    """A model trained on the bundled core intents."""
    return LocalNlu.train(core_data)


@pytest.fixture
def write_yaml(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a YAML file into a temporary directory and return its path."""

    def write(text: str, name: str = "data_en.yml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
