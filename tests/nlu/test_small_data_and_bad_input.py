"""Small data gives honest confidence; bad training data and messages have clear outcomes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.nlu.smalldata import ANSWER_THRESHOLD, DATA, first_per_intent, score
from nlu.cli import app
from nlu.local import LocalNlu
from nlu.settings import ClassifierSettings
from nlu.training_data import TrainingData, load_training_data, validate
from nlu.types import Example

MOODBOT = Path(__file__).parent / "moodbot"


def test_moodbot_sad_is_not_confidently_great() -> None:
    model = LocalNlu.train(load_training_data([MOODBOT]))
    parse = model.parse_sync("I am feeling very sad today")
    assert not (parse.intent.name == "mood_great" and parse.intent.confidence >= 0.5)
    assert model.parse_sync("hello there").intent.confidence >= ANSWER_THRESHOLD


def test_few_examples_wrong_confident_rarer_than_not_sure() -> None:
    train = load_training_data([DATA / "train_en.yml"])
    figures = score(LocalNlu.train(first_per_intent(train, 10)),
                    load_training_data([DATA / "test_en.yml"]))
    assert figures["accuracy"] >= 0.85
    assert figures["confident_wrong"] < figures["not_sure"]


def test_empty_training_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no training examples"):
        LocalNlu.train(TrainingData())
    empty = tmp_path / "empty_en.yml"
    empty.write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["train", "--data", str(empty), "--model-dir",
                                      str(tmp_path)])
    assert result.exit_code == 1 and "no training examples" in result.output
    assert "Traceback" not in result.output


def test_one_example_per_intent_trains_warns_and_parses() -> None:
    data = TrainingData.from_examples(
        [Example("where is my parcel", "track"), Example("i want a refund", "refund")]
    )
    assert any("only 1 example" in str(w) for w in validate(data))
    parse = LocalNlu.train(data).parse_sync("where is my parcel?")
    assert parse.ranking[0].name in {"track", "out_of_scope"}


def test_100000_examples_train_on_a_bounded_sample(caplog: pytest.LogCaptureFixture) -> None:
    # Synthetic and repetitive so the test stays fast; the bound is the point.
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    examples = [
        Example(f"{words[i % 8]} {words[(i // 8) % 8]} request {i % 10} number {i}", f"i{i % 10}")
        for i in range(100_000)
    ]
    settings = ClassifierSettings(max_examples=2_000, word_ngrams=(1, 1), char_ngrams=(3, 3),
                                  transliterate=False)
    with caplog.at_level(logging.WARNING, logger="nlu.local"):
        model = LocalNlu.train(TrainingData.from_examples(examples), settings)
    assert "stratified sample of 2000 of 100000" in caplog.text
    assert len(model.intents) == 10


def test_5000_examples_against_3_keeps_the_small_intent() -> None:
    big = [Example(f"where is my order number {i} please", "track") for i in range(5_000)]
    small = [Example(t, "refund") for t in ("i want my money back", "refund me please",
                                           "give me a refund")]
    settings = ClassifierSettings(max_examples=1_000)
    model = LocalNlu.train(TrainingData.from_examples([*big, *small]), settings)
    assert model.parse_sync("i want a refund please").ranking[0].name in {"refund",
                                                                          "out_of_scope"}
    ranked = [s.name for s in model.parse_sync("i want a refund please").ranking]
    assert ranked.index("refund") < ranked.index("track")


def test_duplicates_across_intents_warn_and_stay_unsure() -> None:
    data = TrainingData.from_examples([
        *(Example(t, "track") for t in ("where is my order", "track my parcel", "parcel status",
                                        "order tracking", "where is my package")),
        *(Example(t, "cancel") for t in ("cancel my order", "stop my order", "cancel it",
                                         "i want to cancel", "where is my order")),
    ])
    assert any("several intents" in str(w) for w in validate(data))
    parse = LocalNlu.train(data).parse_sync("where is my order")
    assert parse.intent.confidence < 0.9


def test_mixed_scripts_and_a_10000_character_message(core_model: LocalNlu) -> None:
    mixed = core_model.parse_sync("привет hello سلام γεια 👋")
    assert mixed.language.code in {"ru", "en", "fa", "el", "und"}
    assert mixed.intent.name
    long = "позовите оператора " + "x" * 10_000
    parse = core_model.parse_sync(long)
    assert parse.text == long  # the message is kept whole; only its head is classified
    assert parse.intent.name
