"""`sarafan feedback …` prints what the query functions return; errors are one line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from tests.harness import make_harness

TEXTS = [("ru1", "/feedback матча слишком дорогая, сделайте дешевле"),
         ("el1", "/feedback το matcha είναι πολύ ακριβό"),
         ("en1", "/feedback the samovar leaks from the tap")]


async def _fill(url: str) -> None:
    bot = await make_harness(Settings(database_url=url, environment="test",  # type: ignore[call-arg]
                                      _env_file=None))
    try:
        for chat, text in TEXTS:
            await bot.say(text, chat=chat)
    finally:
        await bot.close()


def test_list_count_themes_show_merge_split_regroup(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    asyncio.run(_fill(url))
    runner = CliRunner(env={"SARAFAN_DATABASE_URL": url, "SARAFAN_CONFIG": "/nonexistent"})
    listed = runner.invoke(app, ["feedback", "list", "--product", "matcha"])
    assert listed.exit_code == 0 and len(listed.output.splitlines()) == 2
    exported = runner.invoke(app, ["feedback", "list", "--after-id", "0", "--json"])
    rows = [json.loads(line) for line in exported.output.splitlines()]
    assert [r["id"] for r in rows] == [1, 2, 3]
    counted = runner.invoke(app, ["feedback", "count", "--by", "language"])
    assert "ru" in counted.output and "1 items" in counted.output
    themes = runner.invoke(app, ["feedback", "themes"])
    assert themes.exit_code == 0 and "Matcha" in themes.output.splitlines()[0]
    theme_id = themes.output.split()[0]
    shown = runner.invoke(app, ["feedback", "show", theme_id])
    assert "2 mentions by 2 people" in shown.output
    other = str(rows[2]["theme_id"])
    merged = runner.invoke(app, ["feedback", "merge", theme_id, other])
    assert merged.exit_code == 0 and "1 items moved" in merged.output
    split = runner.invoke(app, ["feedback", "split", "3", "--label", "Samovar leaks"])
    assert split.exit_code == 0 and "new theme" in split.output
    assert runner.invoke(app, ["feedback", "regroup"]).exit_code == 0
    assert "Samovar leaks" in runner.invoke(app, ["feedback", "themes"]).output


def test_errors_are_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.sqlite3"
    asyncio.run(_fill(url))
    runner = CliRunner(env={"SARAFAN_DATABASE_URL": url, "SARAFAN_CONFIG": "/nonexistent"})
    for args, message in ((["show", "999"], "no theme 999"),
                          (["merge", "1", "1"], "cannot be merged into itself"),
                          (["count", "--by", "colour"], "cannot group by"),
                          (["list", "--since", "yesterday"], "not a date")):
        result = runner.invoke(app, ["feedback", *args])
        assert result.exit_code != 0 and message in result.output, args
        assert "Traceback" not in result.output


def test_catalog_check(tmp_path: Path) -> None:
    runner = CliRunner(env={"SARAFAN_CONFIG": "/nonexistent"})
    good = runner.invoke(app, ["feedback", "catalog-check"])
    assert good.exit_code == 0 and "0 problems" in good.output
    (tmp_path / "catalog.yml").write_text("items:\n  - id: X\n", encoding="utf-8")
    bad = runner.invoke(app, ["feedback", "catalog-check", "--content-dir", str(tmp_path)])
    assert bad.exit_code == 1 and f"{tmp_path}/catalog.yml:2: id:" in bad.output
