"""``sarafan nlu ...``: validate, train, parse and test the local NLU model."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from nlu.evaluate import Report, evaluate
from nlu.local import LocalNlu
from nlu.store import load_or_train
from nlu.training_data import TrainingData, TrainingDataError, load_training_data, validate

app = typer.Typer(help="Train, inspect and evaluate the NLU model.", no_args_is_help=True)

BATCH = 256
"""Texts classified per progress-bar step in ``test``."""

DataOption = Annotated[
    list[Path] | None,
    typer.Option("--data", help="Training data files or directories (default: bundled core)."),
]
ModelDirOption = Annotated[
    Path | None, typer.Option("--model-dir", help="Where model files are kept.")
]


def bundled_data() -> Path:
    """The core intents shipped in ``nlu/data``."""
    return Path(str(resources.files("nlu") / "data"))


def default_model_dir() -> Path:
    """``$SARAFAN_NLU_MODEL_DIR`` or ``var/nlu`` under the working directory."""
    return Path(os.environ.get("SARAFAN_NLU_MODEL_DIR", "var/nlu"))


def _load(paths: list[Path] | None) -> TrainingData:
    """Load training data or exit with the located error."""
    try:
        return load_training_data(paths or [bundled_data()])
    except TrainingDataError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc


@app.command("validate")
def validate_command(data: DataOption = None) -> None:
    """Check training data: errors stop with file and line, warnings are listed."""
    loaded = _load(data)
    for warning in validate(loaded):
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW)
    counts = loaded.intent_counts()
    typer.echo(
        f"ok: {len(loaded.examples)} examples, {len(counts)} intents, "
        f"languages {', '.join(loaded.languages()) or '-'}"
    )


@app.command("train")
def train_command(data: DataOption = None, model_dir: ModelDirOption = None) -> None:
    """Train (only if data or settings changed) and print the model file."""
    started = time.perf_counter()
    model = load_or_train(_load(data), model_dir or default_model_dir())
    typer.echo(
        f"model {model.data_hash[:16]} with {len(model.intents)} intents "
        f"ready in {time.perf_counter() - started:.1f}s in {model_dir or default_model_dir()}"
    )


@app.command("parse")
def parse_command(
    text: str,
    data: DataOption = None,
    model_dir: ModelDirOption = None,
    language: Annotated[str | None, typer.Option(help="The customer's stored language.")] = None,
) -> None:
    """Parse one message and print the result as JSON."""
    model = load_or_train(_load(data), model_dir or default_model_dir())
    parse = model.parse_sync(text, language=language)
    typer.echo(
        json.dumps(
            {**asdict(parse), "out_of_scope": parse.out_of_scope}, ensure_ascii=False, indent=2
        )
    )


@app.command("test")
def test_command(
    test_data: Annotated[list[Path], typer.Option("--data", help="Labelled test data.")],
    train_data: Annotated[
        list[Path] | None, typer.Option("--train-data", help="Training data (default: bundled).")
    ] = None,
    model_dir: ModelDirOption = None,
    out: Annotated[Path, typer.Option(help="Directory for report.json and the PNG.")] = Path(
        "var/nlu/report"
    ),
) -> None:
    """Per-intent precision/recall/F1, top confusions, out-of-scope recall; JSON + PNG."""
    model = load_or_train(_load(train_data), model_dir or default_model_dir())
    examples = _load(test_data).examples
    report = evaluate([ex.intent for ex in examples], _predict(model, [ex.text for ex in examples]))
    _print_report(report)
    _write_report(report, out)


def _predict(model: LocalNlu, texts: list[str]) -> list[str]:
    """Top intents in batches, with a progress bar on long runs."""
    chunks = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
    predicted: list[str] = []
    with typer.progressbar(chunks, label="classifying", hidden=len(chunks) < 2) as bar:
        for chunk in bar:
            predicted.extend(score.name for score in model.classify_batch(chunk))
    return predicted


def _print_report(report: Report) -> None:
    """The human-readable summary."""
    typer.echo(f"{'intent':32} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>5}")
    for row in report.intents:
        typer.echo(
            f"{row.intent[:32]:32} {row.precision:6.3f} {row.recall:6.3f} "
            f"{row.f1:6.3f} {row.support:5d}"
        )
    typer.echo(
        f"\naccuracy {report.accuracy:.4f}  macro-F1 {report.macro_f1:.4f}  "
        f"in-scope accuracy {report.in_scope_accuracy:.4f}"
    )
    oos = report.out_of_scope_recall
    typer.echo(f"out-of-scope recall {'n/a' if oos is None else f'{oos:.4f}'}")
    typer.echo("most confused (true -> predicted):")
    for truth, predicted, count in report.confused:
        typer.echo(f"  {truth} -> {predicted}: {count}")


def _write_report(report: Report, out: Path) -> None:
    """``report.json`` and ``confusion.png`` in ``out``."""
    from nlu.plots import plot_confusion

    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    plot_confusion(report, out / "confusion.png")
    typer.echo(f"wrote {out / 'report.json'} and {out / 'confusion.png'}")
