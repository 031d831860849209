"""``sarafan nlu ...``: validate, train, parse and test the NLU model.

The commands work on a *model source*: the training data, model directory and classifier
settings a model is built from. The library's own source is the bundled core intents; the
bot mounts ``make_app`` with a source that adds the knowledge base and the features' data
(``bot/nlu_setup.py``), so the CLI parses with the very model the bot answers with while
this package never imports the bot.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from nlu.embeddings import ENCODERS
from nlu.evaluate import Report, evaluate
from nlu.local import LocalNlu
from nlu.settings import ClassifierSettings
from nlu.store import load_or_train
from nlu.training_data import TrainingData, TrainingDataError, load_training_data, validate

BATCH = 256
"""Texts classified per progress-bar step in ``test``."""
DEFAULT_MODEL_DIR = Path("var/nlu")
HELP = "Train, inspect and evaluate the NLU model."


@dataclass(frozen=True, slots=True)
class ModelSource:
    """Where the default model comes from: its data, its directory and its settings."""

    data: Callable[[], TrainingData]
    model_dir: Path
    settings: ClassifierSettings
    name: str = "bundled core intents"


SourceFactory = Callable[[], ModelSource]
"""Builds the source when a command runs (the bot reads its settings only then)."""


def bundled_data() -> Path:
    """The core intents shipped in ``nlu/data``."""
    return Path(str(resources.files("nlu") / "data"))


def default_model_dir() -> Path:
    """``var/nlu`` under the working directory (the bot uses ``SARAFAN_NLU__MODEL_DIR``)."""
    return DEFAULT_MODEL_DIR


def bundled_source() -> ModelSource:
    """The library's default: the bundled core intents with the default settings."""
    return ModelSource(lambda: load_training_data([bundled_data()]), DEFAULT_MODEL_DIR,
                       ClassifierSettings())


def fail(message: str) -> typer.Exit:
    """Print one red line on stderr and return the exit to raise."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(1)


def load_data(paths: list[Path]) -> TrainingData:
    """Load training data (files, directories, Rasa projects) or exit with the located error."""
    try:
        data = load_training_data(paths)
    except TrainingDataError as exc:
        raise fail(str(exc)) from exc
    for warning in data.load_warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    return data


DataOption = Annotated[
    list[Path] | None,
    typer.Option("--data", help="Training data files, directories or a Rasa project "
                 "(default: the model source's data)."),
]
ModelDirOption = Annotated[
    Path | None, typer.Option("--model-dir", help="Where model files are kept.")
]
EmbeddingsOption = Annotated[
    bool | None,
    typer.Option("--embeddings/--no-embeddings",
                 help="Add sentence embeddings (needs the 'embeddings' extra)."),
]
EncoderOption = Annotated[
    str | None,
    typer.Option("--encoder", metavar="e5|minilm",
                 help="Sentence encoder, and switch embeddings on: e5 (multilingual, extra "
                 "'embeddings') or minilm (English, extra 'embeddings-minilm')."),
]


def choose_encoder(
    settings: ClassifierSettings, embeddings: bool | None, encoder: str | None
) -> ClassifierSettings:
    """Apply ``--embeddings/--no-embeddings`` and ``--encoder`` to the source's settings.

    Naming an encoder switches embeddings on unless ``--no-embeddings`` is given too.
    """
    if encoder is not None:
        if encoder not in ENCODERS:
            raise fail(f"unknown encoder {encoder!r}; choose one of {', '.join(ENCODERS)}")
        settings = replace(settings, encoder=encoder, embeddings=embeddings is not False)
    elif embeddings is not None:
        settings = replace(settings, embeddings=embeddings)
    return settings


def make_app(source: SourceFactory = bundled_source, help: str = HELP) -> typer.Typer:
    """The ``nlu`` command group working on the models ``source`` describes."""
    app = typer.Typer(help=help, no_args_is_help=True)

    def resolve(
        data: list[Path] | None, model_dir: Path | None, embeddings: bool | None,
        encoder: str | None = None,
    ) -> tuple[TrainingData, Path, ClassifierSettings, str]:
        chosen = source()
        settings = choose_encoder(chosen.settings, embeddings, encoder)
        if data:
            loaded, name = load_data(data), ", ".join(map(str, data))
        else:
            try:
                loaded, name = chosen.data(), chosen.name
            except TrainingDataError as exc:
                raise fail(str(exc)) from exc
        return loaded, model_dir or chosen.model_dir, settings, name

    def model_for(
        data: list[Path] | None, model_dir: Path | None, embeddings: bool | None,
        encoder: str | None,
    ) -> tuple[LocalNlu, Path, str]:
        loaded, directory, settings, name = resolve(data, model_dir, embeddings, encoder)
        try:
            return load_or_train(loaded, directory, settings), directory, name
        except (ValueError, ImportError) as exc:  # too little data, a missing extra
            raise fail(f"cannot train on {name}: {exc}") from exc

    @app.command("validate")
    def validate_command(data: DataOption = None) -> None:
        """Check training data: errors stop with file and line, warnings are listed."""
        loaded, _, _, _ = resolve(data, None, None)
        for warning in validate(loaded):
            typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW)
        counts = loaded.intent_counts()
        typer.echo(
            f"ok: {len(loaded.examples)} examples, {len(counts)} intents, "
            f"languages {', '.join(loaded.languages()) or '-'}"
        )

    @app.command("train")
    def train_command(
        data: DataOption = None, model_dir: ModelDirOption = None,
        embeddings: EmbeddingsOption = None, encoder: EncoderOption = None,
    ) -> None:
        """Train (only if data or settings changed) and print the model file."""
        started = time.perf_counter()
        model, directory, name = model_for(data, model_dir, embeddings, encoder)
        typer.echo(
            f"model {model.data_hash[:16]} with {len(model.intents)} intents from {name} "
            f"ready in {time.perf_counter() - started:.1f}s in {directory}"
        )

    @app.command("parse")
    def parse_command(
        text: str,
        data: DataOption = None,
        model_dir: ModelDirOption = None,
        language: Annotated[
            str | None, typer.Option(help="The customer's stored language.")
        ] = None,
        embeddings: EmbeddingsOption = None, encoder: EncoderOption = None,
    ) -> None:
        """Parse one message with the bot's model and print the result as JSON."""
        model, _, _ = model_for(data, model_dir, embeddings, encoder)
        typer.echo(json.dumps(model.parse_sync(text, language=language).to_json(),
                              ensure_ascii=False, indent=2))

    @app.command("test")
    def test_command(
        test_data: Annotated[list[Path], typer.Option("--data", help="Labelled test data.")],
        train_data: Annotated[
            list[Path] | None,
            typer.Option("--train-data", help="Training data (default: the bot's model)."),
        ] = None,
        model_dir: ModelDirOption = None,
        out: Annotated[Path, typer.Option(help="Directory for report.json and the PNG.")] = Path(
            "var/nlu/report"
        ),
        embeddings: EmbeddingsOption = None, encoder: EncoderOption = None,
    ) -> None:
        """Per-intent precision/recall/F1, top confusions, out-of-scope recall; JSON + PNG."""
        model, _, _ = model_for(train_data, model_dir, embeddings, encoder)
        examples = load_data(test_data).examples
        if not examples:
            raise fail("the test data has no examples")
        truth = [ex.intent for ex in examples]
        report = evaluate(truth, _predict(model, [ex.text for ex in examples]))
        _print_report(report)
        _write_report(report, out)

    return app


app = make_app()


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
    """``report.json``, and ``confusion.png`` when matplotlib is installed."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
    from nlu.plots import plot_confusion

    try:
        plot_confusion(report, out / "confusion.png")
    except ImportError:  # matplotlib is a main dependency; a trimmed install may lack it
        typer.echo(f"wrote {out / 'report.json'}; skipped confusion.png: matplotlib is not "
                   "installed (pip install matplotlib)")
        return
    typer.echo(f"wrote {out / 'report.json'} and {out / 'confusion.png'}")
