"""One real bot serving every inbound door at once: Telegram webhook, Messenger, web chat."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from bot.app import Bot, build_bot
from bot.config import MessengerPage, MessengerSettings, Settings, TelegramSettings
from tests.channels.messenger_harness import APP_SECRET, TOKENS, VERIFY_TOKEN
from tests.engine.conftest import _engines_are_disposed  # noqa: F401 - the same leak check
from tests.fakes.botapi import TOKEN, FakeBotApi
from tests.web.chat_ids import chat_headers

TELEGRAM_SECRET = "hardening-secret_0123"


def all_doors(database_url: str, botapi: FakeBotApi) -> Settings:
    """Telegram in webhook mode and two Messenger pages, besides the always-on web chat."""
    telegram = TelegramSettings(bot_token=SecretStr(TOKEN), api_base=botapi.base_url,
                                webhook_url="https://bot.example.com",
                                webhook_secret=SecretStr(TELEGRAM_SECRET))
    pages = [MessengerPage(page_id=p, access_token=t) for p, t in TOKENS.items()]  # type: ignore[arg-type]
    messenger = MessengerSettings(app_secret=APP_SECRET, verify_token=VERIFY_TOKEN,  # type: ignore[arg-type]
                                  graph_base="http://127.0.0.1:9/v21.0", pages=pages)
    return Settings(database_url=database_url, environment="test", telegram=telegram,
                    messenger=messenger, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
async def botapi() -> AsyncIterator[FakeBotApi]:
    """The local Bot API (button taps are answered in the background)."""
    server = await FakeBotApi(TOKEN).start()
    yield server
    await server.stop()


@pytest.fixture
async def doors(database_url: str, botapi: FakeBotApi) -> AsyncIterator[Bot]:
    """The real bot with every channel's routes, on SQLite and PostgreSQL."""
    bot = await build_bot(all_doors(database_url, botapi))
    yield bot
    await bot.close()


@pytest.fixture
async def client(doors: Bot) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP into the bot's ASGI app; an unhandled error comes back as the 500 a client sees.
    Its web-chat requests speak for the chat ``chat-0123456789``."""
    transport = httpx.ASGITransport(app=doors.http, raise_app_exceptions=False)
    headers = await chat_headers(doors.http, "chat-0123456789")
    async with httpx.AsyncClient(transport=transport, base_url="http://sarafan.test",
                                 headers=headers) as http:
        yield http
