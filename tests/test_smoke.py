"""The walking skeleton end to end: inbox, engine, outbox, sender."""

from __future__ import annotations

from tests.harness import BotHarness


async def test_start_help_and_unknown_command(harness: BotHarness) -> None:
    replies = await harness.converse(["/start", "/help", "/nope"])
    assert "Hello" in replies[0][0].text
    assert "/language" in replies[1][0].text
    assert "/nope" in replies[2][0].text
