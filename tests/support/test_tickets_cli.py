"""`sarafan tickets list|show` and `kb ratings` on a database with tickets and ratings."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from tests.support.conftest import ScriptedNlu, support_bot
from tests.support.test_support_e2e import operator_says, operators


async def test_list_and_show_tickets(support_settings: Settings, database_url: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    support_settings = support_settings.model_copy(update={"database_url": database_url})
    bot = await support_bot(support_settings, ScriptedNlu())
    try:
        await bot.say("/human")
        await operator_says(bot, "Hello, how can I help?", operators(bot)[0][0])
        await bot.say("/human", chat="c2")
        for verdict in ("yes", "no", "no"):
            await bot.say(payload=f"rate:returns:{verdict}")
        await bot.say(payload="rate:invoice:yes")
    finally:
        await bot.close()
    monkeypatch.setenv("SARAFAN_DATABASE_URL", support_settings.database_url)
    runner = CliRunner()
    listed = await asyncio.to_thread(runner.invoke, app, ["tickets", "list"])
    assert listed.exit_code == 0, listed.output
    assert "#1-1" in listed.output and "waiting" in listed.output and "0m" in listed.output
    only_open = await asyncio.to_thread(runner.invoke, app, ["tickets", "list", "--status",
                                                             "open"])
    assert "#1-1" not in only_open.output and "#3-1" in only_open.output  # 2 is the operator
    shown = await asyncio.to_thread(runner.invoke, app, ["tickets", "show", "#1-1"])
    assert shown.exit_code == 0, shown.output
    assert "first response after 0m" in shown.output
    assert "operator: Hello, how can I help?" in shown.output
    missing = await asyncio.to_thread(runner.invoke, app, ["tickets", "show", "99-9"])
    assert missing.exit_code == 1
    ratings = await asyncio.to_thread(runner.invoke, app, ["kb", "ratings"])
    assert ratings.exit_code == 0, ratings.output
    # yes, no, no on one answer is one rating: the last one (issue 15, item 4)
    assert ratings.output.splitlines()[1:] == [f"{'returns':<24} {'0%':>8} {1:>8}",
                                               f"{'invoice':<24} {'100%':>8} {1:>8}"]
