"""`sarafan kb check` warns when two entries' examples are so alike the bot cannot tell them
apart; the demo knowledge base has no such pair."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.support.kb.loader import kb_files, parse_files
from bot.support.kb.overlap import overlap_warnings

TWINS = """\
entries:
  - id: delivery_time
    title: {en: Delivery time}
    questions:
      en: [how long is delivery, when does my parcel arrive, how many days for delivery]
    answer: {en: Three days.}
  - id: delivery_speed
    title: {en: Delivery speed}
    questions:
      en: [how long is the delivery, when will my parcel arrive, express shipping]
    answer: {en: Fast.}
"""


def test_the_demo_has_no_overlapping_entries() -> None:
    assert overlap_warnings(parse_files(kb_files(None)).entries) == []


def test_near_twin_examples_are_reported(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "faq.yml").write_text(TWINS, encoding="utf-8")
    [warning] = overlap_warnings(parse_files(kb_files(tmp_path)).entries)
    assert "'delivery_time' and 'delivery_speed' overlap in 'en'" in warning
    assert "2 of 3 examples" in warning and "faq.yml:2" in warning


def test_kb_check_prints_the_warning_without_failing(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "faq.yml").write_text(TWINS, encoding="utf-8")
    result = CliRunner().invoke(app, ["kb", "check", str(tmp_path)])
    assert "warning:" in result.output and "cannot tell them apart" in result.output
    assert "overlap" not in result.output.split("problems")[-1]
