"""`sarafan consent counts | show | erasures | forget` on a real database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.storage.base import utcnow
from tests.harness import BotHarness


async def cli(*args: str) -> tuple[int, str]:
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    return result.exit_code, result.output


async def test_consent_cli(bot: BotHarness, database_url: str,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    await bot.say(payload="privacy:on:research")
    await bot.say(payload="privacy:on:marketing")
    await bot.say(payload="privacy:off:marketing")
    monkeypatch.setenv("SARAFAN_DATABASE_URL", database_url)
    code, out = await cli("consent", "counts")
    assert code == 0 and "research            1" in out and "marketing           0" in out
    code, out = await cli("consent", "show", "1")
    assert [line.split()[2:4] for line in out.splitlines()] == [
        ["research", "grant"], ["marketing", "grant"], ["marketing", "withdraw"]]
    code, out = await cli("consent", "forget", "99")
    assert code == 1 and "no contact 99" in out
    code, out = await cli("consent", "forget", "1")
    assert code == 0 and "scheduled" in out
    [done] = await bot.drain(now=utcnow() + timedelta(seconds=60))
    assert "has been erased" in done.text
    code, out = await cli("consent", "erasures")
    assert code == 0 and "operator  done" in out
