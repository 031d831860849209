"""Privacy commands are for private chats; erasing one person never empties a shared group."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.messages import Inbound, Kind
from bot.storage.base import utcnow
from bot.storage.models import Contact, MessageLog
from tests.harness import BotHarness
from tests.support.conftest import OPERATORS
from tests.support.test_support_e2e import operator_says, operators


async def group_says(bot: BotHarness, text: str) -> None:
    await bot.bot.ingest(Inbound(channel="telegram", update_id=f"g-{text}", user_id="op1",
                                 chat_id=str(OPERATORS), text=text, chat_type="supergroup",
                                 message_id=f"g-{text}", user_name="Olga"))
    await bot.drain()


async def test_group_commands_are_refused_and_groups_are_not_emptied(bot: BotHarness) -> None:
    await bot.say("/human")
    await bot.say("customer question about tea", chat="c1")
    await operator_says(bot, "We will help you", operators(bot)[0][0])
    await group_says(bot, "/forget")
    refused = operators(bot)[-1][1]
    assert "private chat" in refused.text

    async def group_rows() -> int:
        async with bot.bot.sessionmaker() as session:
            return int(await session.scalar(
                select(func.count()).select_from(MessageLog)
                .where(MessageLog.chat_id == str(OPERATORS), MessageLog.text.is_not(None))) or 0)

    before = await group_rows()
    # The operator asks to be forgotten from a private chat with the bot.
    await bot.bot.ingest(Inbound(channel="telegram", update_id="op-private", user_id="op1",
                                 chat_id="op1", text="/forget"))
    await bot.drain()
    async with bot.bot.sessionmaker() as session:
        operator = await session.scalar(select(Contact.id).where(Contact.external_id == "op1"))
    await bot.bot.ingest(Inbound(channel="telegram", update_id="op-yes", user_id="op1",
                                 chat_id="op1", kind=Kind.BUTTON,
                                 payload=f"privacy:forget:{operator}"))
    await bot.drain(now=utcnow() + timedelta(seconds=60))
    after = await group_rows()
    # Only the operator's own lines in the group are emptied; the forwarded ticket stays.
    assert 0 < after < before
