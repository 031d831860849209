"""Confusion-matrix picture for ``sarafan nlu test`` (matplotlib is a main dependency)."""

from __future__ import annotations

from pathlib import Path

from nlu.evaluate import Report


def plot_confusion(report: Report, path: Path) -> None:
    """Write the confusion matrix of ``report`` as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # headless: servers and CI have no display
    import matplotlib.pyplot as plt

    size = max(6.0, 0.18 * len(report.labels) + 3)
    figure, axes = plt.subplots(figsize=(size, size))
    image = axes.imshow(report.matrix, cmap="Blues")
    ticks = range(len(report.labels))
    axes.set_xticks(ticks, report.labels, rotation=90, fontsize=_font(report))
    axes.set_yticks(ticks, report.labels, fontsize=_font(report))
    axes.set_xlabel("predicted intent")
    axes.set_ylabel("true intent")
    axes.set_title(f"accuracy {report.accuracy:.1%}, macro-F1 {report.macro_f1:.3f}")
    figure.colorbar(image, ax=axes, fraction=0.046)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _font(report: Report) -> float:
    """Smaller labels when there are many intents (Banking77 has 77)."""
    return 8.0 if len(report.labels) <= 30 else 5.0
