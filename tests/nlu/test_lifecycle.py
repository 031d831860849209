"""Model files, retraining only on change, version refusal and the CLI."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nlu import store
from nlu.cli import app
from nlu.local import LocalNlu, ModelVersionError
from nlu.model_file import FORMAT_VERSION, code_fingerprint
from nlu.types import Example
from tests.nlu.conftest import tiny_data

runner = CliRunner()


def test_save_and_load_round_trip_under_a_second(tmp_path: Path) -> None:
    model = LocalNlu.train(tiny_data())
    path = tmp_path / "m.model"
    model.save(path)
    started = time.perf_counter()
    loaded = LocalNlu.load(path)
    assert time.perf_counter() - started < 1.0
    assert loaded.data_hash == model.data_hash
    assert loaded.parse_sync("refund please") == model.parse_sync("refund please")


def test_refuses_incompatible_model_file(tmp_path: Path) -> None:
    path = tmp_path / "old.model"
    LocalNlu.train(tiny_data()).save(path)
    header, _, rest = path.read_bytes().partition(b"\n")
    fields = json.loads(header)
    fields["format_version"] = FORMAT_VERSION + 1
    path.write_bytes(json.dumps(fields).encode() + b"\n" + rest)
    with pytest.raises(ModelVersionError, match="Retrain it with `sarafan nlu train`"):
        LocalNlu.load(path)
    fields["format_version"] = FORMAT_VERSION
    fields["code"] = "0123456789abcdef"
    path.write_bytes(json.dumps(fields).encode() + b"\n" + rest)
    with pytest.raises(ModelVersionError, match="built by other NLU code"):
        LocalNlu.load(path)
    fields["code"] = code_fingerprint()
    path.write_bytes(json.dumps(fields).encode() + b"\n" + rest[:50])
    with pytest.raises(ModelVersionError, match="cannot be read"):
        LocalNlu.load(path)
    path.write_bytes(b"garbage")
    with pytest.raises(ModelVersionError, match="not a Sarafan NLU model"):
        LocalNlu.load(path)


def test_retrains_only_when_data_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trainings: list[int] = []
    original = LocalNlu.train.__func__  # type: ignore[attr-defined]

    def counting(cls, data, settings=None):  # type: ignore[no-untyped-def]
        trainings.append(1)
        return original(cls, data, settings)

    monkeypatch.setattr(LocalNlu, "train", classmethod(counting))
    data = tiny_data()
    first = store.load_or_train(data, tmp_path)
    again = store.load_or_train(tiny_data(), tmp_path)
    assert len(trainings) == 1 and again.data_hash == first.data_hash
    changed = data.merge(tiny_data().from_examples([Example("yo", "greet")]))
    store.load_or_train(changed, tmp_path)
    assert len(trainings) == 2
    assert len(list(tmp_path.glob("nlu-*.model"))) == 2


def test_cli_validate_reports_errors_with_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad_en.yml"
    bad.write_text('version: "3.1"\nnlu:\n- intent: a\n  examples: |\n    oops\n', "utf-8")
    result = runner.invoke(app, ["validate", "--data", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:5:" in result.output
    ok = runner.invoke(app, ["validate"])
    assert ok.exit_code == 0 and "9 intents" in ok.output


def test_cli_parse_prints_json(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["parse", "позовите оператора", "--model-dir", str(tmp_path), "--language", "ru"]
    )
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert parsed["intent"]["name"] == "request_human"
    assert parsed["language"]["code"] == "ru"


def test_cli_test_writes_report_and_picture(tmp_path: Path) -> None:
    test_dir = Path(__file__).resolve().parents[2] / "bench" / "nlu" / "core_test"
    out = tmp_path / "report"
    result = runner.invoke(
        app, ["test", "--data", str(test_dir), "--model-dir", str(tmp_path), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "out-of-scope recall" in result.output and "most confused" in result.output
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["in_scope_accuracy"] >= 0.9
    assert (out / "confusion.png").read_bytes().startswith(b"\x89PNG")
