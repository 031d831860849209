"""Bad input around support: each gets a clear, polite outcome and nothing leaves the record."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from bot.storage.models import MessageLog
from bot.support.tickets import TicketMessage
from tests.harness import BotHarness
from tests.support.conftest import ScriptedNlu, parse
from tests.support.test_support_e2e import operators


async def count(bot: BotHarness, model: type[MessageLog] | type[TicketMessage]) -> int:
    async with bot.bot.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_empty_and_blank_messages_during_a_ticket(bot: BotHarness) -> None:
    await bot.say("/human")
    lines, forwards = await count(bot, TicketMessage), len(operators(bot))
    for blank in ("", "   \n\t "):
        [reply] = await bot.say(blank)
        assert "empty" in reply.text
    assert await count(bot, TicketMessage) == lines
    assert len(operators(bot)) == forwards


async def test_ten_thousand_characters_are_answered_and_logged_whole(bot: BotHarness) -> None:
    huge = "x" * 10_000
    [reply] = await bot.say(huge)
    assert "can only help with questions about our shop" in reply.text  # declined, not a miss
    async with bot.bot.sessionmaker() as session:
        logged = await session.scalar(select(MessageLog.text).where(MessageLog.direction == "in"))
    assert logged == huge


async def test_only_emoji(bot: BotHarness) -> None:
    [reply] = await bot.say("🙈🙈🔥👍")
    assert "only read words" in reply.text
    [second] = await bot.say("🙈")
    assert "only read words" in second.text  # not counted as misses: no ticket
    assert operators(bot) == []


async def test_unsupported_language_gets_the_language_picker(
    bot: BotHarness, scripted: ScriptedNlu
) -> None:
    japanese = parse(language="ja")
    scripted.script["配送はいつですか"] = replace(
        japanese, language=replace(japanese.language, confidence=0.97))
    [reply] = await bot.say("配送はいつですか")
    assert "English, Russian, Persian, Bulgarian and Greek" in reply.text
    assert {b.payload for b in reply.buttons} >= {"lang:en", "lang:fa"}


async def test_answers_in_the_customers_language(bot: BotHarness, scripted: ScriptedNlu) -> None:
    scripted.script["چطور پس بدم"] = parse("faq_returns", 0.9, language="fa")
    [reply] = await bot.say("چطور پس بدم", language="fa")
    assert "۳۰ روز" in reply.text and reply.language == "fa"
    assert reply.buttons[0].title == "👍 مفید بود"
