"""The Telegram channel: polling by default, a webhook when a public URL is configured."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from bot.channels.runtime import ChannelRuntime, Ingest
from bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from bot.channels.aiogram_api import Bot


def runtime(settings: Settings, ingest: Ingest) -> ChannelRuntime | None:
    """The Telegram runtime, or None when no bot token is configured."""
    config = settings.telegram
    if config.bot_token is None:
        return None
    # aiogram is imported only when Telegram is configured: even with its models built on
    # first use (bot/channels/aiogram_api.py) the import takes ~1 s and ~50 MB.
    from bot.channels.telegram_polling import Poller
    from bot.channels.telegram_receive import Receiver
    from bot.channels.telegram_send import TelegramChannel
    from bot.channels.telegram_webhook import (
        derived_secret,
        keep_webhook,
        public_url,
        webhook_route,
    )

    token = config.bot_token.get_secret_value()
    bot = create_bot(token, config.api_base)
    receiver = Receiver(bot, ingest)
    channel = TelegramChannel(bot, config)
    if config.webhook_url is None:
        return ChannelRuntime(channel, "Telegram (polling)", run=Poller(bot, receiver).run,
                              close=bot.session.close)
    secret = config.webhook_secret.get_secret_value() if config.webhook_secret else None
    secret = secret or derived_secret(token)
    url = public_url(config.webhook_url)
    return ChannelRuntime(channel, f"Telegram (webhook {url})",
                          routes=[webhook_route(receiver, secret)],
                          run=functools.partial(keep_webhook, bot, url, secret),
                          close=bot.session.close)


def create_bot(token: str, api_base: str | None) -> Bot:
    """An aiogram ``Bot`` for ``token``, talking to ``api_base`` (a local server) if set."""
    from bot.channels.aiogram_api import (
        AiohttpSession,
        Bot,
        TelegramAPIServer,
        TokenValidationError,
    )

    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) \
        if api_base else AiohttpSession()
    try:
        return Bot(token=token, session=session)
    except TokenValidationError:
        raise ConfigError("setting SARAFAN_TELEGRAM__BOT_TOKEN: not a bot token "
                          "(BotFather gives one like 123456789:AA…)") from None
