"""Withdrawing the research consent stops survey invitations, even ones already queued."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.messages import Inbound
from bot.storage.base import utcnow
from tests.harness import BotHarness


async def test_only_contacts_with_research_consent_in_force_are_invited(
    bot: BotHarness, database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for chat in ("keeps", "leaves", "never"):
        await bot.say("hello", chat=chat)
    for chat in ("keeps", "leaves"):
        await bot.say(payload="privacy:on:research", chat=chat)
    monkeypatch.setenv("SARAFAN_DATABASE_URL", database_url)
    result = await asyncio.to_thread(CliRunner().invoke, app,
                                     ["surveys", "invite", "tea_discovery"])
    assert result.exit_code == 0, result.output
    assert "scheduled 2" in result.output
    # The opt-out is handled after the invitations were queued and before their jobs run.
    await bot.bot.ingest(Inbound(channel="test", update_id="optout", user_id="leaves",
                                 chat_id="leaves", text="/optout research"))
    while await bot.bot.processor.run_once() + await bot.bot.sender.run_once():
        pass
    before = len(bot.channel.sent)
    await bot.drain(now=utcnow() + timedelta(minutes=1))
    invited = {chat for chat, _ in bot.channel.sent[before:]}
    assert invited == {"keeps"}
