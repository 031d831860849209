"""Rasa data as people have it: a project folder, Rasa 2 files, roles and groups, regexes
and lookups with Rasa's meaning, retrieval intents. The files under ``rasa_project/`` and
``rasa2/`` are written for these tests in Rasa's documented format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlu.cli import app
from nlu.local import LocalNlu
from nlu.training_data import load_training_data

HERE = Path(__file__).parent
PROJECT = HERE / "rasa_project"
RASA2 = HERE / "rasa2" / "nlu.yml"
runner = CliRunner()


@pytest.fixture(scope="module")
def project_model() -> LocalNlu:
    return LocalNlu.train(load_training_data([PROJECT]))


def test_project_folder_reads_data_and_domain() -> None:
    data = load_training_data([PROJECT])
    assert set(data.intents) == {"greet", "book_flight", "pay_bill", "faq/ask_price",
                                 "faq/ask_hours"}
    assert {"city", "account_number"} <= data.declared_entities
    roles = {(e.value, e.role, e.group) for ex in data.examples for e in ex.entities}
    assert ("Berlin", "departure", None) in roles and ("Madrid", "departure", "1") in roles


def test_rasa2_file_loads_with_a_warning() -> None:
    data = load_training_data([RASA2])
    assert data.intents == ["goodbye", "greet"]
    assert len(data.load_warnings) == 1 and "Rasa 2" in data.load_warnings[0]
    assert data.load_warnings[0].startswith(f"{RASA2}:2:")


def test_retrieval_intent_keeps_its_sub_intent(project_model: LocalNlu) -> None:
    parse = project_model.parse_sync("what are your opening hours?")
    assert parse.intent.name == "faq"
    assert parse.response_selector is not None
    assert parse.response_selector.intent_response_key == "faq/ask_hours"
    rendered = parse.to_json()
    assert rendered["response_selector"]["faq"]["response"]["intent_response_key"] == (
        "faq/ask_hours"
    )
    assert all("/" not in score.name for score in parse.ranking)
    assert project_model.classify_batch(["how much does it cost"])[0].name == "faq"
    assert project_model.parse_sync("hello there").response_selector is None


def test_roles_are_in_the_parse_as_rasa_returns_them(project_model: LocalNlu) -> None:
    parse = project_model.parse_sync("a flight from Prague to Berlin")
    cities = {e.value: e for e in parse.entities if e.entity == "city"}
    assert cities["Prague"].role == "departure" and cities["Berlin"].role == "destination"
    rendered = {e["value"]: e for e in parse.to_json()["entities"]}
    assert rendered["Berlin"]["role"] == "destination"
    assert "group" not in rendered["Berlin"]  # Rasa leaves unset keys out


def test_regex_named_like_an_entity_extracts_other_regexes_are_features(
    project_model: LocalNlu,
) -> None:
    entities = project_model.parse_sync("I need help paying account 87654321").entities
    names = {e.entity for e in entities}
    assert ("account_number", "87654321") in {(e.entity, e.value) for e in entities}
    assert "help_word" not in names  # a feature for the classifier, not an entity
    assert "zzpatternhelpword" in project_model.extractor.with_features("help me")


def test_annotated_values_are_not_a_global_lookup(write_yaml) -> None:  # type: ignore[no-untyped-def]
    path = write_yaml(
        'version: "3.1"\nnlu:\n- intent: call\n  examples: |\n'
        "    - [Bill](PERSON) called me\n    - did [Anna](PERSON) call\n    - call me back\n"
        "- intent: pay\n  examples: |\n    - pay my bill\n    - how to pay\n    - payment\n"
    )
    model = LocalNlu.train(load_training_data([path]))
    assert not [e for e in model.parse_sync("credit card bill").entities if e.entity == "PERSON"]


def test_cli_trains_and_tests_on_a_rasa_project(tmp_path: Path) -> None:
    trained = runner.invoke(app, ["train", "--data", str(PROJECT), "--model-dir", str(tmp_path)])
    assert trained.exit_code == 0, trained.output
    parsed = runner.invoke(app, ["parse", "what is the price", "--data", str(PROJECT),
                                 "--model-dir", str(tmp_path)])
    assert parsed.exit_code == 0, parsed.output
    assert json.loads(parsed.output)["intent"]["name"] == "faq"
    tested = runner.invoke(app, ["test", "--data", str(RASA2), "--train-data", str(RASA2),
                                 "--model-dir", str(tmp_path), "--out", str(tmp_path / "r")])
    assert tested.exit_code == 0, tested.output
    assert "Rasa 2" in tested.output  # the warning, on stderr (mixed into output here)


def test_rasa_server_roles_groups_and_response_selector_are_kept() -> None:
    from nlu.backends.rasa import from_rasa

    body = {  # the shape of Rasa 3's POST /model/parse answer
        "text": "flight from Berlin, price?",
        "intent": {"name": "faq", "confidence": 0.91},
        "intent_ranking": [{"name": "faq", "confidence": 0.91}],
        "entities": [{"entity": "city", "start": 12, "end": 18, "value": "Berlin",
                      "extractor": "DIETClassifier", "role": "departure", "group": "1"}],
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "default": {
                "response": {"intent_response_key": "faq/ask_price", "confidence": 0.8,
                             "utter_action": "utter_faq/ask_price", "responses": []},
                "ranking": [{"intent_response_key": "faq/ask_price", "confidence": 0.8}],
            },
        },
    }
    parse = from_rasa(body, body["text"], "en")
    assert (parse.entities[0].role, parse.entities[0].group) == ("departure", "1")
    assert parse.response_selector is not None
    assert parse.response_selector.intent_response_key == "faq/ask_price"
    assert from_rasa({"intent": {"name": "greet", "confidence": 1.0}}, "hi", "en") \
        .response_selector is None
