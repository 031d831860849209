"""``TelegramChannel.send`` against the local Bot API: long texts, and errors mapped for the sender.

Error bodies follow the Bot API's ``{"ok": false, "error_code", "description", "parameters"}``
(https://core.telegram.org/bots/api#making-requests); descriptions are Telegram's wording.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.channels import telegram
from bot.channels.base import PermanentFailure, RetryLater
from bot.channels.telegram_send import TelegramChannel
from bot.config import ConfigError
from bot.messages import Button, Reply
from tests.fakes.botapi import TOKEN, FakeBotApi


@pytest.fixture
async def channel(botapi: FakeBotApi) -> AsyncIterator[TelegramChannel]:
    """The channel, talking to the local server."""
    bot = telegram.create_bot(TOKEN, botapi.base_url)
    yield TelegramChannel(bot)
    await bot.session.close()


async def test_a_long_reply_is_sent_in_parts_and_the_last_id_returned(
    channel: TelegramChannel, botapi: FakeBotApi
) -> None:
    reply = Reply("Ελληνικά " * 500, buttons=(Button("OK", "ok:1"),))
    message_id = await channel.send(chat_id="7003", reply=reply, account=None)
    first, last = botapi.sent()
    assert "reply_markup" not in first and "reply_markup" in last
    assert message_id == "1001"


async def test_a_later_piece_is_retried_in_place_without_repeating_the_first(
    channel: TelegramChannel, botapi: FakeBotApi
) -> None:
    botapi.fail_next("sendMessage", 502, "Bad Gateway", skip=1)
    botapi.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await channel.send(chat_id="7003", reply=Reply("Ελληνικά " * 500), account=None)
    # The first piece once, the second three times: 502, 429, accepted.
    assert (len(botapi.calls_of("sendMessage")), len(botapi.sent())) == (4, 2)
    first, *_, last = botapi.calls_of("sendMessage")
    assert last.at - first.at >= 1.5  # 0.5 s after the 502, then the 1 s retry_after


async def test_a_long_wait_on_a_later_piece_goes_back_to_the_sender(
    channel: TelegramChannel, botapi: FakeBotApi
) -> None:
    botapi.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", skip=1,
                     retry_after=30)
    with pytest.raises(RetryLater) as caught:
        await channel.send(chat_id="7003", reply=Reply("Ελληνικά " * 500), account=None)
    assert caught.value.seconds == 30.0


async def test_a_reply_to_a_group_quotes_the_message(
    channel: TelegramChannel, botapi: FakeBotApi
) -> None:
    await channel.send(chat_id="-1001234567890", reply=Reply("Done", reply_to_message_id="302"),
                       account=None)
    [sent] = botapi.sent()
    assert int(sent["chat_id"]) == -1001234567890
    assert sent["reply_parameters"] == {"message_id": 302, "allow_sending_without_reply": True}


@pytest.mark.parametrize(("status", "description", "parameters", "seconds"), [
    (429, "Too Many Requests: retry after 7", {"retry_after": 7}, 7.0),
    (502, "Bad Gateway", {}, None),
    (500, "Internal Server Error: restart", {}, None),
    (401, "Unauthorized", {}, None),
])
async def test_transient_errors_say_retry_and_when(
    channel: TelegramChannel, botapi: FakeBotApi, status: int, description: str,
    parameters: dict[str, int], seconds: float | None,
) -> None:
    botapi.fail_next("sendMessage", status, description, **parameters)
    with pytest.raises(RetryLater) as caught:
        await channel.send(chat_id="7001", reply=Reply("hi"), account=None)
    assert caught.value.seconds == seconds


@pytest.mark.parametrize(("status", "description"), [
    (403, "Forbidden: bot was blocked by the user"),
    (400, "Bad Request: chat not found"),
    (400, "Bad Request: message text is empty"),
    (404, "Not Found"),
])
async def test_permanent_errors_give_up_with_the_reason(
    channel: TelegramChannel, botapi: FakeBotApi, status: int, description: str
) -> None:
    botapi.fail_next("sendMessage", status, description)
    with pytest.raises(PermanentFailure, match=description.split(": ")[-1]):
        await channel.send(chat_id="7001", reply=Reply("hi"), account=None)


async def test_an_unreachable_api_is_retried(botapi: FakeBotApi) -> None:
    await botapi.stop()
    bot = telegram.create_bot(TOKEN, botapi.base_url)
    try:
        with pytest.raises(RetryLater) as caught:
            await TelegramChannel(bot).send(chat_id="7001", reply=Reply("hi"), account=None)
    finally:
        await bot.session.close()
    assert caught.value.seconds is None


async def test_a_migrated_group_is_a_permanent_failure_naming_the_new_chat(
    channel: TelegramChannel, botapi: FakeBotApi
) -> None:
    botapi.fail_next("sendMessage", 400, "Bad Request: group chat was upgraded to a supergroup "
                     "chat", migrate_to_chat_id=-1009876)
    with pytest.raises(PermanentFailure, match="-1009876"):
        await channel.send(chat_id="-4001", reply=Reply("hi"), account=None)


def test_a_malformed_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="SARAFAN_TELEGRAM__BOT_TOKEN"):
        telegram.create_bot("not-a-token", None)


def test_the_limits_come_from_the_settings() -> None:
    from bot.config import TelegramSettings

    settings = TelegramSettings(per_chat_per_second=2, per_group_per_minute=10,
                                bulk_per_second=5)
    channel = TelegramChannel(bot=None, settings=settings)  # type: ignore[arg-type]  # no calls
    assert [(x.key, x.count, x.period) for x in channel.limits("7001")] == [
        ("telegram:chat:7001", 2, 1.0)]
    assert [(x.key, x.count, x.period) for x in channel.limits("-100123")] == [
        ("telegram:chat:-100123", 2, 1.0), ("telegram:group:-100123", 10, 60.0)]
    assert [(x.key, x.count) for x in channel.bulk_limits()] == [("telegram:all", 5)]
