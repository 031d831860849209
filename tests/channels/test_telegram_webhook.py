"""Webhook mode: ``setWebhook`` with a secret, and ``POST /telegram/webhook`` on the real app.

Bodies are Update JSON from ``tests/channels/telegram_updates/`` (Telegram's webhook-guide
examples, https://core.telegram.org/bots/webhooks#testing-your-bot-with-updates, and ours; see
its PROVENANCE.md). The secret header rule is Bot API ``setWebhook.secret_token``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from starlette.applications import Starlette

from bot.app import Bot, build_bot
from bot.channels import telegram
from bot.channels.telegram_webhook import SECRET_HEADER, derived_secret
from bot.config import Settings, TelegramSettings
from bot.messages import Inbound
from bot.storage.models import InboxItem
from tests.fakes.botapi import TOKEN, FakeBotApi, dataset_update, eventually, running

SECRET = "s3cret-token_for_tests"
URL = "/telegram/webhook"


def webhook_settings(database_url: str, botapi: FakeBotApi, secret: str | None) -> Settings:
    """A bot in webhook mode behind https://bot.example.com."""
    config = TelegramSettings(bot_token=SecretStr(TOKEN), api_base=botapi.base_url,
                              webhook_url="https://bot.example.com",
                              webhook_secret=SecretStr(secret) if secret else None)
    return Settings(database_url=database_url, environment="test", telegram=config,
                    _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def bot(sqlite_url: str, botapi: FakeBotApi) -> AsyncIterator[Bot]:
    """The real bot with its webhook route."""
    bot = await build_bot(webhook_settings(sqlite_url, botapi, SECRET))
    yield bot
    await bot.close()


@pytest.fixture
async def client(bot: Bot) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP straight into the bot's ASGI app."""
    transport = httpx.ASGITransport(app=bot.http)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def post(client: httpx.AsyncClient, body: Any, secret: str | bytes | None = SECRET,
               ) -> httpx.Response:
    """Deliver ``body`` as Telegram would (JSON, with the secret header unless None)."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    content = body if isinstance(body, bytes) else httpx.Request("POST", "/", json=body).content
    return await client.post(URL, content=content, headers=headers)


async def stored(bot: Bot) -> list[str]:
    """Update ids in the inbox."""
    async with bot.sessionmaker() as session:
        return list((await session.scalars(select(InboxItem.update_id))).all())


async def test_start_registers_the_webhook_with_its_secret(bot: Bot, botapi: FakeBotApi) -> None:
    async with running(bot):
        await eventually(lambda: bool(botapi.calls_of("setWebhook")))
    [call] = botapi.calls_of("setWebhook")
    assert call.params["url"] == "https://bot.example.com/telegram/webhook"
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ["message", "edited_message", "callback_query"]
    assert not botapi.calls_of("getUpdates")


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1],
                                    "ñ-not-ascii".encode()])
async def test_without_the_right_secret_401_and_nothing_stored(
    bot: Bot, client: httpx.AsyncClient, secret: str | bytes | None
) -> None:
    response = await post(client, dataset_update("02_message_text.json"), secret=secret)
    assert response.status_code == 401
    assert await stored(bot) == []


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"message": {}}',
                                  b'{"update_id": "7"}', b""])
async def test_malformed_bodies_get_400_and_nothing_stored(
    bot: Bot, client: httpx.AsyncClient, body: bytes
) -> None:
    response = await post(client, body)
    assert response.status_code == 400
    assert await stored(bot) == []


async def test_an_update_is_stored_before_200_and_answered(
    bot: Bot, client: httpx.AsyncClient, botapi: FakeBotApi
) -> None:
    response = await post(client, dataset_update("01_message_text_minimal.json", 11))
    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert await stored(bot) == ["11"]
    async with running(bot):
        await eventually(lambda: len(botapi.sent()) == 1)
    assert int(botapi.sent()[0]["chat_id"]) == 1111111
    assert "Hello" in botapi.sent()[0]["text"]


async def test_a_duplicate_delivery_is_handled_once(database_url: str, botapi: FakeBotApi) -> None:
    bot = await build_bot(webhook_settings(database_url, botapi, SECRET))
    transport = httpx.ASGITransport(app=bot.http)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            update = dataset_update("02_message_text.json", 12)
            first, again = await post(http, update), await post(http, update)
        assert first.status_code == again.status_code == 200
        assert await stored(bot) == ["12"]
        async with running(bot):
            await eventually(lambda: len(botapi.sent()) == 1)
            await asyncio.sleep(0.2)
        assert len(botapi.sent()) == 1
    finally:
        await bot.close()


async def test_a_button_tap_is_answered_after_it_is_stored(
    bot: Bot, client: httpx.AsyncClient, botapi: FakeBotApi
) -> None:
    response = await post(client, dataset_update("w03_callback_query.json"))
    assert response.status_code == 200
    assert await stored(bot) == ["500003"]
    [answer] = botapi.calls_of("answerCallbackQuery")
    assert answer.params["callback_query_id"] == "4382bfdwdsb323b2e1"


async def test_unstored_update_types_are_acknowledged(
    bot: Bot, client: httpx.AsyncClient
) -> None:
    for number, name in enumerate(("11_inline_query.json", "w08_my_chat_member_blocked.json")):
        response = await post(client, dataset_update(name, 20 + number))
        assert response.status_code == 200
    assert await stored(bot) == []


async def test_without_a_configured_secret_one_is_derived_from_the_token(
    sqlite_url: str, botapi: FakeBotApi
) -> None:
    bot = await build_bot(webhook_settings(sqlite_url, botapi, None))
    try:
        async with running(bot):
            await eventually(lambda: bool(botapi.calls_of("setWebhook")))
        assert botapi.webhook_secret == derived_secret(TOKEN) != TOKEN
        transport = httpx.ASGITransport(app=bot.http)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            update = dataset_update("02_message_text.json", 30)
            assert (await post(http, update, secret=None)).status_code == 401
            assert (await post(http, update, secret=botapi.webhook_secret)).status_code == 200
    finally:
        await bot.close()


async def test_polling_mode_has_no_webhook_route(sqlite_url: str, botapi: FakeBotApi) -> None:
    config = TelegramSettings(bot_token=SecretStr(TOKEN), api_base=botapi.base_url)
    settings = Settings(database_url=sqlite_url, environment="test", telegram=config,
                        _env_file=None)  # type: ignore[call-arg]
    bot = await build_bot(settings)
    try:
        transport = httpx.ASGITransport(app=bot.http)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await post(http, dataset_update("02_message_text.json", 40))
        assert response.status_code == 404
        assert await stored(bot) == []
    finally:
        await bot.close()


async def test_when_storing_fails_telegram_is_told_to_resend(
    sqlite_url: str, botapi: FakeBotApi
) -> None:
    async def database_down(_message: Inbound) -> bool:
        raise ConnectionError("database down")

    runtime = telegram.runtime(webhook_settings(sqlite_url, botapi, SECRET), database_down)
    assert runtime is not None
    transport = httpx.ASGITransport(app=Starlette(routes=runtime.routes))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await post(http, dataset_update("02_message_text.json", 50))
    await runtime.close()
    assert response.status_code == 503  # not 2xx: Telegram delivers the update again
