"""Rasa YAML reading, located errors, merging and validation warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.training_data import (
    MIN_EXAMPLES,
    TrainingData,
    TrainingDataError,
    load_training_data,
    validate,
)
from nlu.types import Entity, Example

VALID = """\
version: "3.1"
nlu:
- intent: check_balance
  examples: |
    - what is my balance
    - how much money is on my [savings](account) account
    - show [credit]{"entity": "account", "value": "credit_card"} balance
- intent: greet
  metadata:
    language: ru
  examples:
    - text: привет
    - text: hello
      metadata:
        language: en
- synonym: savings
  examples: |
    - piggy bank
- regex: account_number
  examples: |
    - \\d{10}
- lookup: bank
  examples: |
    - Revolut
    - Monzo
"""


def test_reads_examples_entities_and_tables(write_yaml) -> None:  # type: ignore[no-untyped-def]
    data = load_training_data([write_yaml(VALID)])
    texts = {ex.text: ex for ex in data.examples}
    annotated = texts["how much money is on my savings account"]
    assert annotated.entities == (Entity("account", "savings", 24, 31, "annotation"),)
    assert texts["show credit balance"].entities[0].value == "credit_card"
    assert data.synonyms == {"credit": "credit_card", "piggy bank": "savings"}
    assert [p.name for p in data.regexes] == ["account_number"]
    assert data.lookups[0].items == ("Revolut", "Monzo")


def test_language_from_file_name_intent_and_example_metadata(write_yaml) -> None:  # type: ignore[no-untyped-def]
    data = load_training_data([write_yaml(VALID, "faq_en.yml")])
    languages = {ex.text: ex.language for ex in data.examples}
    assert languages["what is my balance"] == "en"
    assert languages["привет"] == "ru"
    assert languages["hello"] == "en"


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ('version: "3.1"\nnlu:\n- intent: a\n  examples: |\n    - ok\n    oops\n', 6, "'- '"),
        ('version: "1.0"\nnlu: []\n', 1, "version"),
        ('version: "3.1"\nnlu:\n- intent: a\n  exmples: |\n    - x\n', 3, "unknown key"),
        ('version: "3.1"\nnlu:\n- intent: a\n  examples: |\n    - [x]{"entity": }\n', 5, "JSON"),
        ('version: "3.1"\nnlu:\n- regex: r\n  examples: |\n    - (unclosed\n', 5, "regex"),
        ('version: "3.1"\nnlu:\n- intent: a\n  examples: "- x\n', 5, "invalid YAML"),
        ('version: "3.1"\nnlu:\n- examples: |\n    - x\n', 3, "exactly one"),
    ],
)
def test_malformed_files_name_file_line_and_problem(  # type: ignore[no-untyped-def]
    write_yaml, text: str, line: int, problem: str
) -> None:
    path = write_yaml(text)
    with pytest.raises(TrainingDataError) as caught:
        load_training_data([path])
    assert caught.value.line == line
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_directory_is_read_recursively(tmp_path: Path, write_yaml) -> None:  # type: ignore[no-untyped-def]
    write_yaml(VALID, "a_en.yml")
    (tmp_path / "sub").mkdir()
    write_yaml('version: "3.1"\nnlu:\n- intent: bye\n  examples: |\n    - bye\n', "sub/b_en.yml")
    assert "bye" in load_training_data([tmp_path]).intents


def test_merge_adds_examples_and_unions_lookups() -> None:
    core = TrainingData.from_examples([Example("hi", "greet")])
    brand = TrainingData.from_examples([Example("refund?", "refund")])
    merged = core.merge(brand)
    assert merged.intents == ["greet", "refund"]
    assert core.intents == ["greet"]


def test_validate_warns_about_thin_and_conflicting_intents() -> None:
    data = TrainingData.from_examples([Example("hi", "greet", "en"), Example("hi", "thanks", "en")])
    problems = [str(w) for w in validate(data)]
    assert any(f"at least {MIN_EXAMPLES}" in p for p in problems)
    assert any("several intents" in p for p in problems)


def test_bundled_core_data_is_complete(core_data: TrainingData) -> None:
    required = {
        "greet",
        "goodbye",
        "thanks",
        "affirm",
        "deny",
        "request_human",
        "complaint",
        "help",
    }
    assert required <= set(core_data.intents)
    assert core_data.languages() == ["bg", "el", "en", "fa", "ru"]
    assert not [w for w in validate(core_data) if "recommended" in str(w)]
