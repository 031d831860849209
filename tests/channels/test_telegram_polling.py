"""A real bot polling the local Bot API server (tests/fakes/botapi.py) end to end.

Updates are Telegram's own examples and ours from ``tests/channels/telegram_updates/`` (see its
PROVENANCE.md: https://core.telegram.org/bots/webhooks#testing-your-bot-with-updates, quirks
included), renumbered because Telegram's examples all carry update_id 10000.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import Bot, build_bot
from bot.channels import telegram
from bot.channels.telegram_polling import Poller
from bot.channels.telegram_receive import Receiver
from bot.config import Settings, TelegramSettings
from bot.i18n import gettext
from bot.messages import Inbound
from bot.storage.models import InboxItem, OutboxItem
from tests.fakes.botapi import TOKEN, UPDATES, FakeBotApi, dataset_update, eventually, running


@pytest.fixture
def settings(sqlite_url: str, botapi: FakeBotApi) -> Settings:
    """A bot with a Telegram token, polling the local server."""
    config = TelegramSettings(bot_token=SecretStr(TOKEN), api_base=botapi.base_url)
    return Settings(database_url=sqlite_url, environment="test", telegram=config,
                    _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    """The real bot built from those settings."""
    bot = await build_bot(settings)
    yield bot
    await bot.close()


async def inbox(bot: Bot) -> list[InboxItem]:
    """Every stored inbound update."""
    async with bot.sessionmaker() as session:
        return list((await session.scalars(select(InboxItem).order_by(InboxItem.id))).all())


def offsets(botapi: FakeBotApi) -> list[int | None]:
    """The offset of each getUpdates call, in order."""
    sent = (call.params.get("offset") for call in botapi.calls_of("getUpdates"))
    return [int(offset) if offset is not None else None for offset in sent]


async def test_polling_replies_with_an_inline_keyboard_and_confirms_stored_updates(
    bot: Bot, botapi: FakeBotApi
) -> None:
    language = dataset_update("02_message_text.json", 101)
    language["message"]["text"] = "/language"
    await botapi.add_update(language)
    async with running(bot):
        await eventually(lambda: len(botapi.sent()) == 1)
        await eventually(lambda: 102 in offsets(botapi))
    [sent] = botapi.sent()
    assert int(sent["chat_id"]) == 1111111
    buttons = [row[0]["callback_data"] for row in sent["reply_markup"]["inline_keyboard"]]
    assert buttons == ["lang:en", "lang:ru", "lang:fa", "lang:bg", "lang:el"]
    assert [row.update_id for row in await inbox(bot)] == ["101"]
    assert botapi.calls_of("deleteWebhook") and botapi.calls_of("getMe")


async def test_an_update_is_not_confirmed_until_it_is_stored(
    bot: Bot, botapi: FakeBotApi, settings: Settings
) -> None:
    attempts: list[Inbound] = []

    async def database_down(message: Inbound) -> bool:
        attempts.append(message)
        raise ConnectionError("database down")

    await botapi.add_update(dataset_update("02_message_text.json", 201))
    crashing = telegram.runtime(settings, database_down)
    assert crashing is not None
    stop = asyncio.Event()
    task = asyncio.create_task(crashing.run(stop))
    await eventually(lambda: len(attempts) == 1)
    stop.set()
    await task
    await crashing.close()
    assert set(offsets(botapi)) == {None}  # never confirmed
    assert [u["update_id"] for u in botapi.pending] == [201]
    async with running(bot):  # the next start stores and answers it
        await eventually(lambda: len(botapi.sent()) == 1)
    assert [row.update_id for row in await inbox(bot)] == ["201"]


async def test_a_redelivered_update_is_handled_once(bot: Bot, botapi: FakeBotApi) -> None:
    await botapi.add_update(dataset_update("02_message_text.json", 301))
    api = telegram.create_bot(TOKEN, botapi.base_url)
    for _crash_before_confirming in range(2):
        poller = Poller(api, Receiver(api, bot.ingest))
        await poller.poll_once(asyncio.Event())
        assert poller.offset == 302
    await api.session.close()
    assert [u["update_id"] for u in botapi.pending] == [301]  # delivered twice, not confirmed
    async with running(bot):
        await eventually(lambda: len(botapi.sent()) == 1)
        await asyncio.sleep(0.2)
    assert len(botapi.sent()) == 1
    assert len(await inbox(bot)) == 1


async def test_a_button_tap_is_answered_and_routed(bot: Bot, botapi: FakeBotApi) -> None:
    await botapi.add_update(dataset_update("w03_callback_query.json"))
    async with running(bot):
        await eventually(lambda: len(botapi.sent()) == 1)
        await eventually(lambda: bool(botapi.calls_of("answerCallbackQuery")))
    [answer] = botapi.calls_of("answerCallbackQuery")
    assert answer.params["callback_query_id"] == "4382bfdwdsb323b2e1"
    [sent] = botapi.sent()
    assert int(sent["chat_id"]) == 7002
    assert sent["text"] == gettext("fa", "I will write to you in English from now on.")


async def test_a_sticker_gets_a_polite_reply_in_the_users_language(
    bot: Bot, botapi: FakeBotApi
) -> None:
    await botapi.add_update(dataset_update("w05_sticker.json"))
    async with running(bot):
        await eventually(lambda: len(botapi.sent()) == 1)
    [sent] = botapi.sent()
    polite = "Sorry, I can only read text messages. Please type your question."
    assert (int(sent["chat_id"]), sent["text"]) == (7003, gettext("el", polite))


async def test_an_edited_message_is_stored_but_not_answered(bot: Bot, botapi: FakeBotApi) -> None:
    await botapi.add_update(dataset_update("06_edited_message.json", 601))
    await botapi.add_update(dataset_update("02_message_text.json", 602))
    async with running(bot):
        await eventually(lambda: len(botapi.sent()) == 1)
        await asyncio.sleep(0.2)
    assert len(botapi.sent()) == 1
    assert [(row.update_id, row.status) for row in await inbox(bot)] == [("601", "done"),
                                                                        ("602", "done")]


async def test_every_dataset_update_is_survived(bot: Bot, botapi: FakeBotApi) -> None:
    names = sorted(path.name for path in UPDATES.glob("*.json"))
    for number, name in enumerate(names, start=1000):
        await botapi.add_update(dataset_update(name, number))
    last = 1000 + len(names) - 1
    async with running(bot):
        await eventually(lambda: last + 1 in offsets(botapi))
        await eventually(lambda: len(botapi.sent()) >= 10, within=20)
    async with bot.sessionmaker() as session:
        stored = await session.scalar(select(func.count()).select_from(InboxItem))
        failed = await session.scalar(select(func.count()).where(InboxItem.status == "failed"))
    assert (stored, failed) == (len(names) - 3, 0)  # inline query, chosen result, my_chat_member


async def test_429_is_honoured_before_the_next_attempt(bot: Bot, botapi: FakeBotApi) -> None:
    botapi.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await botapi.add_update(dataset_update("02_message_text.json", 801))
    async with running(bot):
        await eventually(lambda: len(botapi.sent()) == 1)
    first, second = botapi.calls_of("sendMessage")
    assert second.at - first.at >= 1.0


async def test_a_blocked_user_fails_the_reply_without_retrying(
    bot: Bot, botapi: FakeBotApi
) -> None:
    botapi.blocked.add(1111111)
    await botapi.add_update(dataset_update("02_message_text.json", 901))
    async with running(bot):
        await eventually(lambda: bool(botapi.calls_of("sendMessage")))
        await asyncio.sleep(0.3)
    assert len(botapi.calls_of("sendMessage")) == 1
    async with bot.sessionmaker() as session:
        [row] = (await session.scalars(select(OutboxItem))).all()
    assert row.status == "failed" and "blocked by the user" in (row.error or "")

