"""Invitations to a consenting segment, and the CLI reading the same query functions."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.consent.tables import ConsentEvent
from bot.messages import Kind
from bot.storage.base import utcnow
from bot.storage.models import Contact
from bot.surveys.check import load_catalogue
from bot.surveys.invitations import PER_SECOND, Segment, SegmentError, invite
from bot.surveys.results import nps
from tests.harness import BotHarness
from tests.surveys.test_e2e import start


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[BotHarness]:
    harness = await start(database_url)
    yield harness
    await harness.close()


async def grant(bot: BotHarness, chat: str, purpose: str = "research") -> None:
    async with bot.bot.sessionmaker() as session:
        contact = await session.scalar(select(Contact).where(Contact.external_id == chat))
        assert contact is not None
        session.add(ConsentEvent(contact_id=contact.id, purpose=purpose, action="grant"))
        await session.commit()


async def test_invitations_reach_consenting_contacts_once(bot: BotHarness) -> None:
    for chat, language in (("a", "ru"), ("b", "en"), ("c", "ru")):
        await bot.say("hello", chat=chat, language=language)
    await grant(bot, "a")
    await grant(bot, "b")
    async with bot.bot.sessionmaker() as session:
        session.add(Contact(channel="messenger", external_id="m1", language="ru",
                            last_seen=utcnow() - timedelta(days=2)))
        await session.flush()
        late = await session.scalar(select(Contact.id).where(Contact.external_id == "m1"))
        session.add(ConsentEvent(contact_id=late, purpose="research", action="grant"))
        await session.commit()
    survey = load_catalogue(None).surveys["tea_discovery"]
    async with bot.bot.sessionmaker() as session:
        dry = await invite(session, survey, Segment.parse("language=ru"), dry_run=True)
        assert (dry.matched, dry.outside_window, dry.scheduled) == (2, 1, 1)
        everyone = await invite(session, survey, Segment(), dry_run=False)
        await session.commit()
    assert (everyone.matched, everyone.scheduled) == (3, 2)
    # Invitations are spaced (1/PER_SECOND apart): drain at a moment both are due, not as
    # soon as the loop happens to get there.
    sent = await bot.drain(utcnow() + timedelta(seconds=2 / PER_SECOND))
    assert sum(1 for reply in sent if reply.text.startswith("1/10")) == 2
    assert any("Что вы пьёте" in reply.text for reply in sent)
    async with bot.bot.sessionmaker() as session:
        again = await invite(session, survey, Segment(), dry_run=False)
        await session.commit()
    assert (again.already_invited, again.scheduled) == (2, 0)
    assert await bot.drain() == []
    [answer] = await bot.say("1", chat="a")
    assert answer.text.startswith("2/10")


def test_segment_text() -> None:
    segment = Segment.parse("language=fa, channel=telegram, seen=7, "
                            "answer=tea_discovery.drink=green")
    assert segment.language == "fa" and segment.seen_within_days == 7
    assert segment.answers == (("tea_discovery", "drink", "green"),)
    for wrong in ("colour=red", "seen=soon", "answer=drink"):
        with pytest.raises(SegmentError):
            Segment.parse(wrong)


def test_nps_interval() -> None:
    result = nps([10] * 50 + [8] * 30 + [3] * 20)
    assert (result.score, result.promoters, result.passives, result.detractors) == (
        30.0, 50, 30, 20)
    assert (result.ci_low, result.ci_high) == (14.7, 45.3)  # ±1.96·√((.5+.2−.3²)/100)


async def answer_csat(url: str) -> None:
    harness = await start(url)
    try:
        await harness.say(payload="survey-support_csat-web", kind=Kind.START)
        await harness.say("4")
        await harness.say("9")
        await harness.say("Quick and kind")
    finally:
        await harness.close()


def test_cli_reads_what_the_bot_stored(tmp_path: Path, sqlite_url: str) -> None:
    url = sqlite_url
    asyncio.run(answer_csat(url))  # the CLI runs its own event loop, so this test has none
    runner = CliRunner()
    env = {"SARAFAN_DATABASE_URL": url}
    table = runner.invoke(app, ["surveys", "results", "support_csat"], env=env)
    assert table.exit_code == 0, table.output
    assert "CSAT 100.0% satisfied (1/1)" in table.output and "Quick and kind" in table.output
    data = json.loads(runner.invoke(app, ["surveys", "results", "support_csat", "--format",
                                          "json", "--source", "web"], env=env).output)
    assert data["completed"] == 1 and data["questions"][1]["nps"]["promoters"] == 1
    csv = runner.invoke(app, ["surveys", "results", "support_csat", "--format", "csv",
                              "--chart", str(tmp_path / "charts")], env=env)
    assert "support_csat" not in csv.stdout.splitlines()[0] and "value:9" in csv.stdout
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == [
        "support_csat-csat.png", "support_csat-nps.png"]
    listing = runner.invoke(app, ["surveys", "list"], env=env)
    assert "support_csat" in listing.output and "1 responses" in listing.output
    responses = json.loads(runner.invoke(app, ["surveys", "responses", "support_csat"],
                                         env=env).output)
    assert responses["items"][0]["answers"] == {"csat": 4, "nps": 9, "reason": "Quick and kind"}
    empty = runner.invoke(app, ["surveys", "results", "support_csat", "--language", "el"],
                          env=env)
    assert "responses 0" in empty.output
    bad = runner.invoke(app, ["surveys", "results", "support_csat", "--since", "soon"], env=env)
    assert bad.exit_code == 2 and "--since" in bad.output
    assert runner.invoke(app, ["surveys", "check"], env=env).exit_code == 0
